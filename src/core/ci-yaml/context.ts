/** What the steps of `healer init` share while they plan edits to one file. */
import type { Node } from 'yaml';
import type { LoadedCi } from './document.js';
import type { CiModel } from './model.js';
import type { TextEdits } from './text-edits.js';

export type RulesOutcome = 'gate-added' | 'gate-updated' | 'generated' | 'converted' | 'unchanged' | 'refused';

export interface JobPlan {
  job: string;
  stage: string;
  rules: RulesOutcome;
  /** What init does to this job and why, one sentence each (some say that nothing needed doing). */
  actions: string[];
  /** Whether this run edits the file on this job's behalf (its own keys, or a shared template first reached through it). */
  changed: boolean;
  /** Why the job was left as it is (rules === 'refused'). */
  reason?: string;
  /** The job's HEALER_NEEDS (a JSON list of job names), null when it has none; absent for trigger jobs. */
  healer_needs?: string | null;
}

export interface Warning {
  code: string;
  message: string;
  job?: string;
}

export interface PlanContext {
  loaded: LoadedCi;
  model: CiModel;
  edits: TextEdits;
  order: string[];
  command: string;
  workflowRules: boolean;
  hasIncludes: boolean;
  plans: Map<string, JobPlan>;
  warnings: Warning[];
  /** Nodes already given optional: true, or the recording lines (so shared nodes are edited once). */
  touched: Set<Node>;
}

export function planFor(ctx: PlanContext, job: string): JobPlan {
  const plan = ctx.plans.get(job);
  if (!plan) throw new Error(`internal: no plan for ${job}`);
  return plan;
}

export function warn(ctx: PlanContext, code: string, message: string, job?: string): void {
  ctx.warnings.push(job === undefined ? { code, message } : { code, message, job });
}

/** Run one job's step and note whether it edited the file. */
export function step<T>(ctx: PlanContext, job: string, run: () => T): T {
  const before = ctx.edits.count;
  const result = run();
  if (ctx.edits.count > before) planFor(ctx, job).changed = true;
  return result;
}

/**
 * What init says about included files, which it never edits: for each job of a local include it could read, the
 * exact additions its owner must make there (the gate rule, healer's start/end lines when the job brings its own
 * before_script/after_script, HEALER_NEEDS); for the others, that the gate of each stage is needed (InitPlan.gates).
 */
import { warn, type PlanContext } from './context.js';
import { includedNeeds } from './healer-needs.js';
import { readableLocal, type IncludeRef } from './includes.js';
import { stageOfJob } from './needs.js';
import type { IncludedText } from './plan.js';
import { ruleFlow, scalar } from './render.js';
import { isTrigger, linesFor, missingInJob } from './scripts.js';
import { DEFAULT_JOB_STAGE, gateExpression } from './stages.js';

export interface IncludeReport {
  include: string;
  kind: IncludeRef['kind'];
  read: boolean;
  jobs: IncludedJob[];
}

/** What the owner of an included file must add to one of its jobs. */
export interface IncludedJob {
  job: string;
  stage: string;
  /** The gate, to put first in its rules. */
  rule: string;
  /** healer's lines its own before_script/after_script lack, to put first there ([] when it inherits default:). */
  before_script: string[];
  after_script: string[];
  /** Its HEALER_NEEDS value (null: none), and the variable line to set when the file holds another value. */
  healer_needs: string | null;
  variable: string | null;
}

/** The gate rule of a stage as a flow item to paste into a job of another file. */
export function gateFlow(order: string[], stage: string): string {
  return ruleFlow({ if: gateExpression(order, stage), when: 'never' });
}

export function reportIncludes(
  ctx: PlanContext,
  refs: IncludeRef[],
  texts: readonly IncludedText[],
  jobsByInclude: ReadonlyMap<string, string[]>,
): IncludeReport[] {
  const reports: IncludeReport[] = [];
  for (const ref of refs) {
    const read = ref.kind === 'local' && readableLocal(ref) && texts.some((t) => t.path === ref.target && t.text !== null);
    const report: IncludeReport = { include: ref.label, kind: ref.kind, read, jobs: [] };
    if (read) {
      for (const job of jobsByInclude.get(ref.target) ?? []) {
        const stage = stageOfJob(ctx, job) ?? DEFAULT_JOB_STAGE;
        if (!ctx.order.includes(stage)) {
          warn(ctx, 'include-unknown-stage', `job "${job}" in ${ref.label} uses stage "${stage}", which is not in stages:`);
          continue;
        }
        const rule = gateFlow(ctx.order, stage);
        // A trigger job runs no script: it restores and records nothing.
        const trigger = isTrigger(ctx, { name: job });
        const needs = trigger ? { value: null, add: null } : includedNeeds(ctx, job);
        const linesOf = (key: 'before_script' | 'after_script') => (trigger ? [] : missingInJob(ctx, job, key).map((l) => l.text));
        const lines = { before_script: linesOf('before_script'), after_script: linesOf('after_script') };
        report.jobs.push({ job, stage, rule, ...lines, healer_needs: needs.value, variable: needs.add });
        const todo = [`add "- ${rule}" as its first rule there (and make its needs on earlier stages optional: true)`];
        for (const key of ['before_script', 'after_script'] as const) {
          if (lines[key].length > 0) todo.push(`put ${lines[key].map((l) => `- ${scalar(l)}`).join(' ')} first in its ${key}`);
        }
        if (needs.add !== null) todo.push(`set variables: ${needs.add}`);
        warn(ctx, 'included-job', `job "${job}" (stage ${stage}) is defined in ${ref.label}, which healer does not edit: ${todo.join('; ')}`, job);
      }
    } else {
      const start = linesFor(ctx, 'before_script').map((l) => `- ${scalar(l.text)}`).join(' ');
      const end = linesFor(ctx, 'after_script').map((l) => `- ${scalar(l.text)}`).join(' ');
      warn(
        ctx,
        'include-not-edited',
        `${ref.label} is not edited; each of its jobs needs, as its first rule, the gate of its stage (listed below, or in --json "gates"); ` +
          `a job with its own before_script needs ${start} first in it, one with its own after_script ${end}; ` +
          `a job with needs: or dependencies: needs variables: HEALER_NEEDS set to the JSON list of the jobs whose artifacts it gets (see healer init in the README)`,
      );
    }
    reports.push(report);
  }
  return reports;
}

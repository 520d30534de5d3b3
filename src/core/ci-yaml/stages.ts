/**
 * Stage order and the resume gate.
 *
 * GitLab always runs `.pre` first and `.post` last; without `stages:` the order is `.pre, build, test, deploy, .post`
 * and a job without `stage:` is in `test` (gitlab-facts §5). healer treats `.pre` and `.post` as ordinary stages at
 * the two ends of the order: a pipeline resumed from S runs S and every later stage, so `.post` jobs always run in a
 * resume and `.pre` jobs run only in a full pipeline (or a resume from `.pre`, which is a full run). The artifacts of
 * skipped `.pre` jobs are restored like those of any skipped stage.
 */
import { escapeRegex, splitAlternatives, unescapeRegex } from './expressions.js';

export const DEFAULT_STAGES = ['build', 'test', 'deploy'] as const;
export const DEFAULT_JOB_STAGE = 'test';

export type StageOrderResult = { ok: true; order: string[]; declared: boolean } | { ok: false; reason: string };

/** The full order (with `.pre` and `.post`) from the value of `stages:` (undefined when absent). */
export function stageOrder(declared: unknown): StageOrderResult {
  if (declared === undefined || declared === null) return { ok: true, order: ['.pre', ...DEFAULT_STAGES, '.post'], declared: false };
  if (!Array.isArray(declared)) return { ok: false, reason: '`stages:` is not a list' };
  const own: string[] = [];
  for (const item of declared.flat(10)) {
    if (typeof item !== 'string' || item.trim() === '') {
      return { ok: false, reason: `\`stages:\` holds ${JSON.stringify(item)}, which is not a stage name` };
    }
    if (item === '.pre' || item === '.post') continue;
    if (!own.includes(item)) own.push(item);
  }
  return { ok: true, order: ['.pre', ...own, '.post'], declared: true };
}

/** K and every stage before it: a resume from any of them must keep a job of stage K. */
export function stagesUpTo(order: readonly string[], stage: string): string[] {
  const index = order.indexOf(stage);
  if (index < 0) throw new Error(`stage ${JSON.stringify(stage)} is not in the order`);
  return order.slice(0, index + 1);
}

const GATE_PREFIX = '$RESUME_STAGE != null && $RESUME_STAGE != "" && $RESUME_STAGE !~ /^(';
const GATE_SUFFIX = ')$/';

/**
 * True when the pipeline resumes at a stage after `stage`. Written as the skip form of gitlab-facts §1.3: undefined
 * and empty are tested explicitly (`$V != ""` alone is true for an undefined V), the list is an anchored regex.
 */
export function gateExpression(order: readonly string[], stage: string): string {
  return GATE_PREFIX + stagesUpTo(order, stage).map(escapeRegex).join('|') + GATE_SUFFIX;
}

/** The stages listed by a gate healer wrote, or null when `expr` is not one of healer's gates. */
export function parseGate(expr: unknown): string[] | null {
  if (typeof expr !== 'string') return null;
  const text = expr.trim();
  if (!text.startsWith(GATE_PREFIX) || !text.endsWith(GATE_SUFFIX)) return null;
  const inner = text.slice(GATE_PREFIX.length, text.length - GATE_SUFFIX.length);
  return splitAlternatives(inner).map(unescapeRegex);
}

/** HEALER_STAGES: the order as `healer stage` reads it (comma-separated, so a comma cannot be in a name). */
export function healerStagesValue(order: readonly string[]): string {
  return order.join(',');
}

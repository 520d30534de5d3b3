/**
 * Lineage arithmetic on one record: how many resumes the chain has used, where to resume, when the chain began,
 * and which resume entries are still open. Pure.
 *
 * A lineage is the root pipeline and every pipeline started by resuming it (or a resume of it). Each record knows
 * its own `lineage.attempt` (0 for the root; the resume that created it sets HEALER_ATTEMPT), so the newest record
 * of a chain knows how many resumes came before it. The old watchdog's `retry_count` is honoured as well.
 */
import { own } from './names.js';
import { stageOrderOf, type ProgressRecord, type ResumeEntry } from './record.js';
import { parseTimestamp } from './time.js';

export const LINEAGE_VARIABLES = ['RESUME_STAGE', 'HEALER_ROOT_PIPELINE_ID', 'HEALER_PARENT_PIPELINE_ID', 'HEALER_ATTEMPT'] as const;

const DONE_STATUSES = new Set(['done', 'skipped']);

export function rootOf(record: ProgressRecord): number {
  return record.lineage?.root_pipeline_id ?? record.pipeline.id;
}

export function attemptOf(record: ProgressRecord): number {
  return record.lineage?.attempt ?? 0;
}

export function resumesOf(record: ProgressRecord): ResumeEntry[] {
  return Array.isArray(record.resumes) ? record.resumes : [];
}

/** The resume that already started a pipeline from this record, if any (the newest one). */
export function triggeredResume(record: ProgressRecord): ResumeEntry | null {
  const done = resumesOf(record).filter((entry) => entry.state === 'triggered');
  return done.length > 0 ? done[done.length - 1]! : null;
}

/** An intent that was never settled (a healer is working on it, or crashed between intent and trigger). */
export function openIntent(record: ProgressRecord): ResumeEntry | null {
  const open = resumesOf(record).filter((entry) => entry.state === 'intent');
  return open.length > 0 ? open[open.length - 1]! : null;
}

/**
 * Resumes used by the whole lineage up to and including this record: the resumes before this pipeline (its attempt),
 * plus those started from it, or the legacy retry_count when that says more.
 */
export function resumesUsed(record: ProgressRecord): number {
  const fromHere = resumesOf(record).filter((entry) => entry.state === 'triggered').length;
  const legacy = typeof record.retry_count === 'number' ? record.retry_count : 0;
  return Math.max(attemptOf(record) + fromHere, legacy);
}

/** The earliest instant any part of the record speaks of: the pipeline's creation or its first recorded activity. */
export function earliestTimestamp(record: ProgressRecord): number | null {
  let earliest = Number.POSITIVE_INFINITY;
  const consider = (value: unknown) => {
    const ms = parseTimestamp(value);
    if (!Number.isNaN(ms) && ms < earliest) earliest = ms;
  };
  consider(record.pipeline.created_at);
  consider(record.created);
  for (const job of Object.values(record.jobs)) {
    consider(job.started);
    consider(job.updated);
  }
  for (const stage of Object.values(record.stages)) consider(stage.updated);
  return Number.isFinite(earliest) ? earliest : null;
}

/**
 * Stage order: the record's own order, completed with an order learned elsewhere (GitLab's job list) for stages
 * the record has not seen yet.
 */
export function mergedStageOrder(record: ProgressRecord, learned: readonly string[] = []): string[] {
  const recorded = record.stage_order && record.stage_order.length > 0;
  const base = recorded ? stageOrderOf(record) : [...learned, ...stageOrderOf(record)];
  return [...new Set(base)];
}

/**
 * The earliest stage, in stage order, that is not done (done or skipped); null when every stage is done.
 * A stage with no entry in the record counts as passed when a later stage has one (its jobs do not record, but the
 * pipeline went past it), and as not done when it comes after every recorded stage (it has not started yet).
 */
export function resumeStageOf(record: ProgressRecord, learnedOrder: readonly string[] = []): string | null {
  const order = mergedStageOrder(record, learnedOrder);
  let lastRecorded = -1;
  for (const [index, stage] of order.entries()) {
    const entry = own(record.stages, stage);
    if (entry === undefined) continue;
    if (!DONE_STATUSES.has(String(entry.status))) return stage;
    lastRecorded = index;
  }
  return order[lastRecorded + 1] ?? null;
}

/** The variables a resumed pipeline carries, so its own records continue the lineage. */
export function lineageVariables(record: ProgressRecord, stage: string, attempt: number): Record<string, string> {
  return {
    RESUME_STAGE: stage,
    HEALER_ROOT_PIPELINE_ID: String(rootOf(record)),
    HEALER_PARENT_PIPELINE_ID: String(record.pipeline.id),
    HEALER_ATTEMPT: String(attempt),
  };
}

/** True when `variables` (a pipeline's, from GitLab) are exactly the lineage variables we sent. */
export function carriesLineage(variables: ReadonlyArray<{ key: string; value: string }>, expected: Record<string, string>): boolean {
  const got = new Map(variables.map((v) => [v.key, v.value]));
  return ['HEALER_PARENT_PIPELINE_ID', 'HEALER_ATTEMPT', 'HEALER_ROOT_PIPELINE_ID'].every((key) => got.get(key) === expected[key]);
}

/**
 * Lineage arithmetic on one record: its root and attempt, how many resumes the chain has used, which resume entries
 * are still open, and the variables that carry the lineage into a resumed pipeline. Pure. (Where to resume and when
 * the record began are facts of the record: record-facts.ts.)
 *
 * A lineage is the root pipeline and every pipeline started by resuming it (or a resume of it). Each record knows
 * its own `lineage.attempt` (0 for the root; the resume that created it sets HEALER_ATTEMPT), so the newest record
 * of a chain knows how many resumes came before it. The old watchdog's `retry_count` is honoured as well.
 */
import type { ProgressRecord, ResumeEntry } from './record.js';

export const LINEAGE_VARIABLES = ['RESUME_STAGE', 'HEALER_ROOT_PIPELINE_ID', 'HEALER_PARENT_PIPELINE_ID', 'HEALER_ATTEMPT'] as const;

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

/**
 * How a resume is written into the resumed pipeline's record, as pure transitions applied under the record's lock:
 * first an intent (before anything is sent to GitLab), then its outcome. A second healer that reads the intent
 * leaves the record alone, so two watchdogs never trigger the same resume; an intent left by a crash is
 * reconciled later (adopted when its pipeline is found, replaced otherwise).
 */
import type { ResumePlan } from './decide.js';
import { openIntent, triggeredResume } from './lineage.js';
import type { Policy } from './policy.js';
import type { ProgressRecord, ResumeEntry } from './record.js';
import { parseTimestamp } from './time.js';
import { triage } from './triage.js';

export interface IntentInfo {
  at: string;
  owner: string;
  via: 'create' | 'trigger';
}

export type Outcome =
  | { state: 'triggered'; pipelineId: number; url: string | null; recovered: boolean; canceled: boolean | null }
  | { state: 'failed'; error: string; canceled: boolean | null }
  /** The request's outcome is unknown (e.g. a timeout with no way to look): the intent stays open, with the error. */
  | { state: 'intent'; error: string; canceled: boolean | null };

const sameEntry = (a: ResumeEntry, b: ResumeEntry) => a.at === b.at && a.owner === b.owner && a.attempt === b.attempt;

/**
 * Why the plan may no longer be carried out on the record as it is now (read under the lock), or null.
 * `force` (healer resume --force) only overrides an earlier finished resume, never an intent another healer holds.
 */
export function recheck(record: ProgressRecord, plan: ResumePlan, now: number, policy: Policy, force = false): string | null {
  const done = triggeredResume(record);
  if (done && !force) return `already resumed from ${done.stage}${done.pipeline_id ? ` as pipeline ${done.pipeline_id}` : ''}`;
  const intent = openIntent(record);
  if (intent && !(plan.replacesIntent && sameEntry(intent, plan.replacesIntent))) {
    const age = now - parseTimestamp(intent.at);
    if (!(age >= policy.intentTimeoutMs)) return `another healer${intent.owner ? ` (${String(intent.owner)})` : ''} is resuming it since ${intent.at}`;
    return `an unsettled resume intent of ${intent.at} appeared; it is reconciled on the next scan`;
  }
  if (plan.cause === 'stuck' && !plan.replacesIntent && !force) {
    const again = triage(record, now, policy);
    if (again.kind === 'skip') return `no longer a candidate: ${again.reason}`;
    if (again.stale.length === 0) return 'its heartbeat came back; no longer stuck';
  }
  return null;
}

/** Append our intent; a stale intent it replaces is settled as failed in the same write. */
export function addIntent(record: ProgressRecord, plan: ResumePlan, info: IntentInfo): ProgressRecord {
  const resumes = (record.resumes ?? []).map((entry) =>
    plan.replacesIntent && entry.state === 'intent' && sameEntry(entry, plan.replacesIntent)
      ? { ...entry, state: 'failed' as const, error: `abandoned: no pipeline of this intent was found by ${info.owner} at ${info.at}` }
      : entry,
  );
  const intent: ResumeEntry = {
    at: info.at,
    stage: plan.stage,
    reason: plan.reason,
    state: 'intent',
    attempt: plan.attempt,
    pipeline_id: null,
    pipeline_url: null,
    error: null,
    owner: info.owner,
    via: info.via,
    cause: plan.cause,
    ref: plan.ref,
    project: plan.project,
  };
  return { ...record, resumes: [...resumes, intent], updated: info.at };
}

/** Settle our own intent (found by owner) with the outcome of the create/trigger request. */
export function settleIntent(record: ProgressRecord, owner: string, outcome: Outcome, at: string): ProgressRecord {
  const resumes = [...(record.resumes ?? [])];
  let index = -1;
  for (let i = resumes.length - 1; i >= 0; i -= 1) {
    if (resumes[i]!.owner === owner && resumes[i]!.state === 'intent') {
      index = i;
      break;
    }
  }
  if (index < 0) return record;
  const entry = resumes[index]!;
  const next: ResumeEntry = { ...entry, state: outcome.state, settled_at: at, canceled: outcome.canceled };
  let retryCount = record.retry_count ?? 0;
  if (outcome.state === 'triggered') {
    next.pipeline_id = outcome.pipelineId;
    next.pipeline_url = outcome.url;
    next.error = null;
    if (outcome.recovered) next.recovered = true;
    retryCount = Math.max(retryCount, entry.attempt ?? 0);
  } else {
    next.error = outcome.error;
  }
  resumes[index] = next;
  return { ...record, resumes, retry_count: retryCount, updated: at };
}

/** A crashed healer's intent whose pipeline was found afterwards: record it as triggered. */
export function adoptIntent(record: ProgressRecord, intent: ResumeEntry, pipelineId: number, url: string | null, at: string): ProgressRecord {
  const resumes = (record.resumes ?? []).map((entry) =>
    entry.state === 'intent' && sameEntry(entry, intent)
      ? { ...entry, state: 'triggered' as const, pipeline_id: pipelineId, pipeline_url: url, error: null, recovered: true, settled_at: at }
      : entry,
  );
  return { ...record, resumes, retry_count: Math.max(record.retry_count ?? 0, intent.attempt ?? 0), updated: at };
}

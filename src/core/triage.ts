/**
 * First look at a record, from the record alone (no GitLab): is there anything a watchdog could do about it?
 * Cheap enough for every record of a large state folder; only the candidates it returns are shown to GitLab.
 * Pure: time comes in as `now`.
 */
import { attemptOf, openIntent, rootOf, triggeredResume } from './lineage.js';
import { normalizeServerUrl, type Policy } from './policy.js';
import { inProgressUnits, recordTimes, resumeStageOf, workUnits, type StaleUnit, type WorkUnit } from './record-facts.js';
import type { ProgressRecord, ResumeEntry } from './record.js';
import { formatDuration, parseTimestamp } from './time.js';

export type { StaleUnit, WorkUnit };

export type SkipCode =
  | 'already_resumed'
  | 'resume_in_progress'
  | 'intent_unverified'
  | 'no_active_job'
  | 'running'
  | 'too_old'
  | 'no_timestamps'
  | 'retry_limit'
  | 'nothing_to_resume'
  | 'other_gitlab'
  | 'no_project'
  | 'no_ref'
  | 'needs_api_token'
  | 'canceled'
  | 'succeeded'
  | 'skipped'
  | 'waiting'
  | 'unknown_status'
  | 'not_infra'
  | 'record_outdated'
  | 'superseded';

/**
 * A record healer leaves alone, with the reason. `notify`: the operator must hear of it (cron prints it, exit code
 * stays 0). `listed`: it appears one by one in the report; otherwise it is only counted (finished pipelines, etc.).
 */
export interface Skip {
  kind: 'skip';
  code: SkipCode;
  reason: string;
  notify: boolean;
  listed: boolean;
}

export interface Candidate {
  kind: 'candidate';
  project: string;
  ref: string;
  stale: StaleUnit[];
  running: WorkUnit[];
  failed: WorkUnit[];
  /** An intent left unsettled for longer than the intent timeout: a healer crashed between intent and trigger. */
  staleIntent: ResumeEntry | null;
  /** Earliest instant of this record (the lineage is at least this old). */
  startedMs: number;
}

export const skip = (code: SkipCode, reason: string, { notify = false, listed = true } = {}): Skip => ({
  kind: 'skip',
  code,
  reason,
  notify,
  listed,
});

export function describeUnit(unit: WorkUnit): string {
  return unit.kind === 'job' ? `job ${unit.name} (stage ${unit.stage})` : `stage ${unit.stage}`;
}

export function triage(record: ProgressRecord, now: number, policy: Policy): Candidate | Skip {
  const done = triggeredResume(record);
  if (done) {
    const as = done.pipeline_id ? ` as pipeline ${done.pipeline_id}` : '';
    return skip('already_resumed', `already resumed from ${done.stage}${as} at ${done.at}`, { listed: false });
  }
  const intent = openIntent(record);
  let staleIntent: ResumeEntry | null = null;
  if (intent) {
    const age = now - parseTimestamp(intent.at);
    if (!(age >= policy.intentTimeoutMs)) {
      const who = typeof intent.owner === 'string' ? ` by ${intent.owner}` : '';
      return skip('resume_in_progress', `being resumed${who} since ${intent.at} (intent written ${formatDuration(Math.max(0, age))} ago)`);
    }
    staleIntent = intent;
  }

  const units = workUnits(record);
  const { stale, live: running } = inProgressUnits(record, now, policy, units);
  const failed = units.filter((unit) => unit.status === 'failed');
  // With an API token GitLab is also asked about running pipelines and about unfinished ones (a known stage order
  // not done yet): a job that failed on its runner before it could record anything shows only there.
  const unfinished = (record.stage_order?.length ?? 0) > 0 && resumeStageOf(record) !== null;
  const lookAtGitLab = policy.capabilities.api && (running.length > 0 || failed.length > 0 || unfinished);
  if (stale.length === 0 && !lookAtGitLab && staleIntent === null) {
    if (running.length > 0) return skip('running', `running; last heartbeat within the threshold`, { listed: false });
    if (failed.length > 0) {
      return skip(
        'needs_api_token',
        `${describeUnit(failed[0]!)} failed; an API token (GITLAB_TOKEN) is needed to tell an infrastructure failure from a script failure`,
        { listed: false },
      );
    }
    return skip('no_active_job', 'no job in progress or failed', { listed: false });
  }

  const startedMs = recordTimes(record).firstMs;
  if (startedMs === null) return skip('no_timestamps', 'the record holds no readable timestamp; its age cannot be judged', { notify: true });
  if (now - startedMs > policy.maxAgeMs) {
    return skip('too_old', `lineage older than the max age (${formatDuration(now - startedMs)} > ${formatDuration(policy.maxAgeMs)})`, {
      listed: false,
    });
  }

  const serverUrl = record.project?.server_url;
  if (typeof serverUrl === 'string' && serverUrl !== '' && normalizeServerUrl(serverUrl) !== policy.gitlabUrl) {
    return skip(
      'other_gitlab',
      `the record comes from ${serverUrl} (CI_SERVER_URL) but healer is configured for ${policy.gitlabUrl}; ` +
        'no token is sent elsewhere: run a healer with GITLAB_URL set to that server',
      { notify: true },
    );
  }
  const project = projectOf(record) ?? policy.fallbackProject;
  if (project === null) {
    return skip('no_project', 'the record does not name its project (legacy record); set GITLAB_PROJECT_ID', { notify: true });
  }
  const ref = typeof record.pipeline.ref === 'string' && record.pipeline.ref !== '' ? record.pipeline.ref : policy.fallbackRef;
  if (ref === null) return skip('no_ref', 'the record does not name its ref; set GITLAB_REF for legacy records', { notify: true });
  return { kind: 'candidate', project, ref, stale, running, failed, staleIntent, startedMs };
}

export function projectOf(record: ProgressRecord): string | null {
  const id = record.project?.id;
  if (typeof id === 'number') return String(id);
  const path = record.project?.path;
  return typeof path === 'string' && path !== '' ? path : null;
}

/** For messages: "pipeline 41928 (attempt 2 of lineage 41900)". */
export function describeLineage(record: ProgressRecord): string {
  const attempt = attemptOf(record);
  return attempt === 0 ? `pipeline ${record.pipeline.id}` : `pipeline ${record.pipeline.id} (resume ${attempt} of ${rootOf(record)})`;
}

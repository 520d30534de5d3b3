/**
 * The resume decision: a candidate record (from triage) + what GitLab said (or null without an API token) + now +
 * policy → one decision with its reason as data. Pure; `--dry-run` prints exactly this.
 *
 * Rules, in order: a pipeline a crashed healer already started is adopted; GitLab's status (canceled, success,
 * skipped, manual… are never resumed); the lineage's age; why it needs a resume (infrastructure failure at once,
 * stuck heartbeat after its stage's threshold, confirmed by GitLab when it can be asked); superseded by a newer
 * pipeline on the ref; the lineage-wide retry limit; where to resume (earliest stage not done); cancel first.
 */
import { isActive, type Facts, type JobFacts, type PipelineFacts } from './facts.js';
import { lineageVariables, resumesOf, resumesUsed } from './lineage.js';
import type { Policy } from './policy.js';
import { resumeStageOf } from './record-facts.js';
import type { ProgressRecord, ResumeEntry } from './record.js';
import { describeUnit, skip, type Candidate, type Skip, type StaleUnit } from './triage.js';
import { formatDuration } from './time.js';

export type Cause = 'stuck' | 'infra_failure' | 'manual';

export interface ResumePlan {
  kind: 'resume';
  pipelineId: number;
  project: string;
  ref: string;
  stage: string;
  /** The attempt number of the new pipeline (1 for the first resume of a lineage). */
  attempt: number;
  cause: Cause;
  reason: string;
  /** cancel: cancel the pipeline first; no_api_token: it may still run but cannot be canceled; not_running: nothing to cancel. */
  cancel: 'cancel' | 'no_api_token' | 'not_running';
  variables: Record<string, string>;
  notes: string[];
  /** A stale intent this resume replaces (settled as failed when the new intent is written). */
  replacesIntent: ResumeEntry | null;
}

export interface AdoptPlan {
  kind: 'adopt';
  pipelineId: number;
  intent: ResumeEntry;
  pipeline: PipelineFacts;
  reason: string;
}

export type Decision = ResumePlan | AdoptPlan | Skip;

export interface DecideInput {
  record: ProgressRecord;
  candidate: Candidate;
  facts: Facts | null;
  now: number;
  policy: Policy;
  /** When the lineage's root record is another record: its earliest timestamp (null if it is gone). */
  rootStartedMs?: number | null;
}

const NEVER: Record<string, { code: Skip['code']; text: string }> = {
  success: { code: 'succeeded', text: 'GitLab reports the pipeline succeeded; the record is out of date' },
  skipped: { code: 'skipped', text: 'GitLab reports the pipeline skipped' },
  manual: { code: 'waiting', text: 'GitLab reports the pipeline waiting for a manual job' },
  scheduled: { code: 'waiting', text: 'GitLab reports the pipeline waiting for a scheduled job' },
};

export function decide(input: DecideInput): Decision {
  const { record, candidate, facts, now, policy } = input;
  const notes: string[] = [];

  if (candidate.staleIntent && facts?.startedByIntent) {
    const p = facts.startedByIntent;
    return {
      kind: 'adopt',
      pipelineId: record.pipeline.id,
      intent: candidate.staleIntent,
      pipeline: p,
      reason: `an earlier healer started pipeline ${p.id} for the intent of ${candidate.staleIntent.at} but did not record it`,
    };
  }
  if (candidate.staleIntent && !policy.capabilities.api) {
    return skip(
      'intent_unverified',
      `a resume intent of ${candidate.staleIntent.at} was never settled (healer stopped between intent and trigger); ` +
        'without an API token healer cannot check whether that pipeline started, so it does not trigger again: ' +
        'check GitLab, then run `healer resume --pipeline ' + record.pipeline.id + ' --force` if needed',
      { notify: true },
    );
  }

  const canceledByHealer = canceledByHealerOf(record, candidate);
  if (facts) {
    const status = facts.pipeline.status;
    const never = neverOf(status);
    if (never) return skip(never.code, never.text, { listed: status !== 'success' });
    if (isCanceled(status)) {
      if (!canceledByHealer) return skip('canceled', `GitLab reports the pipeline ${status} (by a person or another tool); never resumed`);
    } else if (status !== 'failed' && !isActive(status)) {
      return skip('unknown_status', `GitLab reports status ${JSON.stringify(status)}, which healer does not know; left alone`, { notify: true });
    }
  }

  const lineageStart = Math.min(candidate.startedMs, input.rootStartedMs ?? Number.POSITIVE_INFINITY);
  if (now - lineageStart > policy.maxAgeMs) {
    return skip('too_old', `lineage older than the max age (${formatDuration(now - lineageStart)} > ${formatDuration(policy.maxAgeMs)})`, {
      listed: false,
    });
  }

  const why = causeOf(candidate, facts, policy, notes, canceledByHealer);
  if (why.kind === 'skip') return why;

  if (facts?.refPipelines && policy.supersededCheck) {
    const own = new Set(resumesOf(record).map((entry) => entry.pipeline_id).filter((id) => typeof id === 'number'));
    // Pipelines started through the API or a trigger token are resumes (healer's, of other records) or tools'
    // re-runs of old commits: a newer commit, a person, a schedule or an upstream project supersedes.
    const newer = facts.refPipelines.find((p) => p.id > record.pipeline.id && !own.has(p.id) && !RESUME_SOURCES.has(p.source ?? ''));
    if (newer) {
      return skip('superseded', `superseded by newer pipeline ${newer.id} on ${candidate.ref} (${newer.status})`);
    }
  }

  const used = resumesUsed(record);
  if (used >= policy.maxRetries) {
    return skip(
      'retry_limit',
      `${why.reason}, but its lineage (root pipeline ${record.lineage?.root_pipeline_id ?? record.pipeline.id}) has used ` +
        `${used} of ${policy.maxRetries} resumes (MAX_RETRY_COUNT); left for a person`,
      { notify: true },
    );
  }

  const learned = facts?.jobs ? stageOrderFromJobs(facts.jobs) : null;
  // An unsettled intent is completed as it was decided, so that its pipeline carries the same variables.
  const stage = candidate.staleIntent?.stage ?? resumeStageOf(record, learned);
  if (stage === null) return skip('nothing_to_resume', 'every stage is done; nothing to resume', { notify: true });

  let cancel: ResumePlan['cancel'] = 'not_running';
  if (!facts) {
    cancel = 'no_api_token';
    notes.push(
      policy.capabilities.resumeVia === 'trigger'
        ? 'not checked with GitLab and not canceled first: only a trigger token is configured (set GITLAB_TOKEN for both)'
        : 'not checked with GitLab and not canceled first: no API token is configured (GITLAB_TOKEN)',
    );
  } else if (isActive(facts.pipeline.status)) {
    cancel = 'cancel';
  }
  const attempt = used + 1;
  return {
    kind: 'resume',
    pipelineId: record.pipeline.id,
    project: candidate.project,
    ref: candidate.ref,
    stage,
    attempt,
    cause: why.cause,
    reason: why.reason,
    cancel,
    variables: lineageVariables(record, stage, attempt),
    notes,
    replacesIntent: candidate.staleIntent,
  };
}

/**
 * True when the pipeline's status alone decides (it is never resumed: succeeded, skipped, waiting, or canceled by
 * someone other than healer), so that its jobs need not be asked for.
 */
export function decidedByStatus(record: ProgressRecord, candidate: Candidate, status: string): boolean {
  return neverOf(status) !== undefined || (isCanceled(status) && !canceledByHealerOf(record, candidate));
}

// An own property only: a status such as "constructor" is unknown, not a never-resume status.
const neverOf = (status: string) => (Object.hasOwn(NEVER, status) ? NEVER[status] : undefined);

const isCanceled = (status: string) => status === 'canceled' || status === 'canceling';

/**
 * A cancel of healer's own: a healer crashed after it (its intent is open), or the resume after it failed (the
 * entry says it canceled first). Then the resume is still owed, and canceled jobs are the stuck ones.
 */
function canceledByHealerOf(record: ProgressRecord, candidate: Candidate): boolean {
  return candidate.staleIntent !== null || resumesOf(record).some((entry) => entry.canceled === true);
}

type Why = { kind: 'why'; cause: Cause; reason: string } | Skip;

const RESUME_SOURCES: ReadonlySet<string> = new Set(['api', 'trigger', 'parent_pipeline']);

function causeOf(candidate: Candidate, facts: Facts | null, policy: Policy, notes: string[], canceledByHealer: boolean): Why {
  const intent = candidate.staleIntent;
  if (intent) {
    // The crashed healer decided with all the checks and may already have canceled the pipeline: finish its work.
    const cause: Cause = intent.cause === 'infra_failure' || intent.cause === 'manual' ? intent.cause : 'stuck';
    return { kind: 'why', cause, reason: `completing the unsettled resume intent of ${intent.at}${intent.reason ? ` (${intent.reason})` : ''}` };
  }
  if (facts?.jobs) {
    const failed = facts.jobs.filter((job) => job.status === 'failed' && !job.allowFailure);
    const script = failed.find((job) => !policy.infraFailureReasons.includes(job.failureReason ?? 'unknown'));
    if (script) {
      return skip(
        'not_infra',
        `job ${script.name} failed with ${script.failureReason ?? 'no failure reason'}, not an infrastructure failure; left for a person`,
      );
    }
    if (failed.length > 0) {
      const first = failed[0]!;
      return { kind: 'why', cause: 'infra_failure', reason: `infrastructure failure: job ${first.name} failed with ${first.failureReason}` };
    }
  }
  const confirmed = facts?.jobs ? candidate.stale.filter((unit) => stillRunning(unit, facts.jobs!, canceledByHealer)) : candidate.stale;
  if (confirmed.length > 0) return { kind: 'why', cause: 'stuck', reason: describeStale(confirmed[0]!) };
  if (candidate.stale.length > 0) {
    const unit = candidate.stale[0]!;
    return skip('record_outdated', `${describeUnit(unit)} looks stuck in the record, but GitLab reports it finished; not stuck`);
  }
  if (facts && facts.pipeline.status === 'failed') {
    notes.push('GitLab reports the pipeline failed without a failed job in its job list');
  }
  return skip('running', 'running; last heartbeat within the threshold and no failed job', { listed: false });
}

export function describeStale(unit: StaleUnit): string {
  const age = Number.isFinite(unit.idleMs) ? `last update ${formatDuration(unit.idleMs)} ago` : 'no readable update time';
  return `stuck: ${describeUnit(unit)} in_progress, ${age} > threshold ${formatDuration(unit.thresholdMs)}`;
}

/**
 * A stale unit is confirmed stuck unless GitLab shows its job (or every job of its stage) finished; a job healer
 * itself canceled still counts as stuck.
 */
function stillRunning(unit: StaleUnit, jobs: readonly JobFacts[], canceledByHealer: boolean): boolean {
  const same =
    unit.kind === 'job'
      ? jobs.filter((job) => (unit.jobId !== null ? job.id === unit.jobId : job.name === unit.name))
      : jobs.filter((job) => job.stage === unit.stage);
  if (same.length === 0) return true;
  return same.some((job) => isActive(job.status) || job.status === 'canceling' || (canceledByHealer && job.status === 'canceled'));
}

/** Stage order as GitLab created the jobs (ids ascend with stages). */
export function stageOrderFromJobs(jobs: readonly JobFacts[]): string[] {
  return [...new Set([...jobs].sort((a, b) => a.id - b.id).map((job) => job.stage))];
}

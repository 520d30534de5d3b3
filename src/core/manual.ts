/**
 * `healer resume` by hand: the plan from the flags, the record (when there is one) and what GitLab says. Defaults
 * come from the record (earliest stage not done, its ref and project); without a record --from-stage, --ref and a
 * project are needed. The lineage limit holds unless --force; so does "already resumed" and "it succeeded". Never
 * overridden: another healer's fresh intent, and a record that belongs to another GitLab server. Pure.
 */
import type { ResumePlan } from './decide.js';
import { stageOrderFromJobs } from './decide.js';
import { isActive, type JobFacts, type PipelineFacts } from './facts.js';
import { openIntent, resumesUsed, rootOf, triggeredResume } from './lineage.js';
import { normalizeServerUrl, type Policy } from './policy.js';
import { resumeStageOf } from './record-facts.js';
import type { ProgressRecord } from './record.js';
import { parseTimestamp } from './time.js';
import { projectOf } from './triage.js';

export interface ManualRequest {
  pipelineId: number;
  fromStage?: string;
  ref?: string;
  project?: string;
  force: boolean;
}

export interface ManualFacts {
  pipeline: PipelineFacts | null;
  jobs: JobFacts[] | null;
  /** The pipeline's own variables (its lineage when it was itself a resume and has no record). */
  variables: Array<{ key: string; value: string }> | null;
  /** The pipeline an unsettled intent started, when one was found. */
  startedByIntent: PipelineFacts | null;
  /** Without a record: a newer pipeline of the ref that GitLab shows as a resume of this one (its HEALER_PARENT_PIPELINE_ID). */
  resumedAs?: PipelineFacts | null;
}

/** `usage`: something must be given on the command line; `refused`: a rule says no (some yield to --force). */
export type Refusal = { kind: 'usage' | 'refused'; message: string; hint?: string };

export function planManualResume(request: ManualRequest, record: ProgressRecord | null, facts: ManualFacts, now: number, policy: Policy): ResumePlan | Refusal {
  const id = request.pipelineId;
  const serverUrl = record?.project?.server_url;
  if (typeof serverUrl === 'string' && serverUrl !== '' && normalizeServerUrl(serverUrl) !== policy.gitlabUrl) {
    return { kind: 'refused', message: `pipeline ${id} belongs to ${serverUrl}, but healer is configured for ${policy.gitlabUrl}`, hint: 'set GITLAB_URL to that server; no token is sent elsewhere' };
  }
  const stage = request.fromStage ?? (record ? resumeStageOf(record, facts.jobs ? stageOrderFromJobs(facts.jobs) : null) : null);
  if (!stage) {
    return record
      ? { kind: 'refused', message: `every stage of pipeline ${id} is done; nothing to resume`, hint: 'name a stage with --from-stage to run it again' }
      : { kind: 'usage', message: `no record of pipeline ${id}: say where to resume with --from-stage STAGE` };
  }
  const ref = request.ref ?? nonEmpty(record?.pipeline.ref) ?? facts.pipeline?.ref ?? policy.fallbackRef;
  if (!ref) return { kind: 'usage', message: `the ref of pipeline ${id} is not known: pass --ref REF` };
  const project = request.project ?? (record ? projectOf(record) : null) ?? policy.fallbackProject;
  if (!project) return { kind: 'usage', message: `the project of pipeline ${id} is not known: pass --project ID or set GITLAB_PROJECT_ID` };

  const done = record ? triggeredResume(record) : null;
  if (done && !request.force) {
    return { kind: 'refused', message: `pipeline ${id} was already resumed from ${done.stage}${done.pipeline_id ? ` as pipeline ${done.pipeline_id}` : ''}`, hint: 'use --force to resume it again' };
  }
  if (!record && facts.resumedAs && !request.force) {
    return {
      kind: 'refused',
      message: `pipeline ${id} was already resumed as pipeline ${facts.resumedAs.id} (${facts.resumedAs.status}): GitLab shows it with HEALER_PARENT_PIPELINE_ID=${id}`,
      hint: 'use --force to resume it again',
    };
  }
  const intent = record ? openIntent(record) : null;
  if (intent) {
    const age = now - parseTimestamp(intent.at);
    if (!(age >= policy.intentTimeoutMs)) {
      return { kind: 'refused', message: `another healer${intent.owner ? ` (${intent.owner})` : ''} is resuming pipeline ${id} since ${intent.at}`, hint: 'wait for it; an intent left by a crash is taken over after the intent timeout' };
    }
    if (facts.startedByIntent) {
      return { kind: 'refused', message: `an earlier resume intent of pipeline ${id} already started pipeline ${facts.startedByIntent.id}`, hint: 'the next healer scan records it; look at that pipeline' };
    }
  }
  const status = facts.pipeline?.status;
  if ((status === 'success' || status === 'skipped') && !request.force) {
    return { kind: 'refused', message: `GitLab reports pipeline ${id} ${status}; nothing to resume`, hint: 'use --force to resume it anyway' };
  }

  const lineage = lineageOf(record, facts.variables, id);
  if (lineage.used >= policy.maxRetries && !request.force) {
    return {
      kind: 'refused',
      message: `the lineage of pipeline ${id} (root ${lineage.root}) has used ${lineage.used} of ${policy.maxRetries} resumes (MAX_RETRY_COUNT)`,
      hint: 'use --force to resume beyond the limit',
    };
  }
  const attempt = lineage.used + 1;
  const notes: string[] = [];
  let cancel: ResumePlan['cancel'] = 'not_running';
  if (!policy.capabilities.api) {
    cancel = 'no_api_token';
    notes.push('not checked with GitLab and not canceled first: only a trigger token is configured');
  } else if (status !== undefined && isActive(status)) cancel = 'cancel';
  return {
    kind: 'resume',
    pipelineId: id,
    project,
    ref,
    stage,
    attempt,
    cause: 'manual',
    reason: `resumed by hand (healer resume${request.force ? ' --force' : ''})`,
    cancel,
    variables: {
      RESUME_STAGE: stage,
      HEALER_ROOT_PIPELINE_ID: String(lineage.root),
      HEALER_PARENT_PIPELINE_ID: String(id),
      HEALER_ATTEMPT: String(attempt),
    },
    notes,
    replacesIntent: intent,
  };
}

const nonEmpty = (value: string | null | undefined) => (typeof value === 'string' && value !== '' ? value : null);

/** Root and resumes used: from the record, else from the pipeline's own HEALER_* variables, else a new lineage. */
function lineageOf(record: ProgressRecord | null, variables: ManualFacts['variables'], id: number): { root: number; used: number } {
  if (record) return { root: rootOf(record), used: resumesUsed(record) };
  const get = (key: string) => variables?.find((v) => v.key === key)?.value;
  const root = Number(get('HEALER_ROOT_PIPELINE_ID'));
  const attempt = Number(get('HEALER_ATTEMPT'));
  return {
    root: Number.isSafeInteger(root) && root > 0 ? root : id,
    used: Number.isSafeInteger(attempt) && attempt > 0 ? attempt : 0,
  };
}

/**
 * What the CI variables of a GitLab job tell healer. `env` is a parameter, so this stays pure and testable.
 * Values are checked here: a malformed HEALER_* variable is bad input, reported with the variable's name.
 */
import { checkPipelineId, checkStageName } from './names.js';
import type { JobStatus, Lineage, PipelineContext } from './record.js';

export class ContextError extends Error {}

type Env = Record<string, string | undefined>;

function text(env: Env, key: string): string | null {
  const value = env[key];
  return value === undefined || value === '' ? null : value;
}

function integer(env: Env, key: string, { min = 0 } = {}): number | null {
  const value = text(env, key);
  if (value === null) return null;
  if (!/^\d{1,16}$/.test(value.trim()) || Number(value) < min) {
    throw new ContextError(`${key}=${JSON.stringify(value).slice(0, 60)} is not an integer >= ${min}`);
  }
  return Number(value);
}

/** HEALER_STAGES="build,test,deploy" → ['build','test','deploy']; each name is checked. */
export function parseStageList(value: string, source = 'HEALER_STAGES'): string[] {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  for (const name of names) {
    const check = checkStageName(name);
    if (!check.ok) throw new ContextError(`${source}: ${check.reason}`);
  }
  return [...new Set(names)];
}

/**
 * The pipeline context for a record, from CI_* and HEALER_* variables. `pipelineId` comes from the flag or
 * CI_PIPELINE_ID and has been checked by the caller.
 */
export function pipelineContextFromEnv(env: Env, pipelineId: number): PipelineContext {
  const ctx: PipelineContext = { pipelineId };
  const projectId = integer(env, 'CI_PROJECT_ID', { min: 1 });
  ctx.project = { id: projectId, path: text(env, 'CI_PROJECT_PATH'), server_url: text(env, 'CI_SERVER_URL') };
  ctx.pipeline = {
    iid: integer(env, 'CI_PIPELINE_IID'),
    ref: text(env, 'CI_COMMIT_REF_NAME'),
    sha: text(env, 'CI_COMMIT_SHA'),
    source: text(env, 'CI_PIPELINE_SOURCE'),
    url: text(env, 'CI_PIPELINE_URL'),
  };
  const createdAt = text(env, 'CI_PIPELINE_CREATED_AT');
  if (createdAt !== null && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(createdAt)) {
    ctx.pipeline.created_at = createdAt;
  }
  const root = text(env, 'HEALER_ROOT_PIPELINE_ID');
  const resumeStage = text(env, 'RESUME_STAGE');
  if (root !== null) {
    const rootId = checkPipelineId(root);
    if (!rootId.ok) throw new ContextError(`HEALER_ROOT_PIPELINE_ID: ${rootId.reason}`);
    const parent = text(env, 'HEALER_PARENT_PIPELINE_ID');
    let parentId: number | null = null;
    if (parent !== null) {
      const checked = checkPipelineId(parent);
      if (!checked.ok) throw new ContextError(`HEALER_PARENT_PIPELINE_ID: ${checked.reason}`);
      parentId = checked.value;
    }
    const lineage: Lineage = {
      root_pipeline_id: rootId.value,
      parent_pipeline_id: parentId,
      attempt: integer(env, 'HEALER_ATTEMPT') ?? 1,
      resume_stage: resumeStage,
    };
    ctx.lineage = lineage;
  } else if (resumeStage !== null) {
    // Resumed by hand (RESUME_STAGE set without healer's lineage variables): still a resume of unknown parent.
    ctx.lineage = { root_pipeline_id: pipelineId, parent_pipeline_id: null, attempt: 0, resume_stage: resumeStage };
  }
  const stages = text(env, 'HEALER_STAGES');
  if (stages !== null) ctx.stageOrder = parseStageList(stages);
  return ctx;
}

export interface JobInfo {
  name: string | null;
  stage: string | null;
  id: number | null;
  runner: string | null;
  url: string | null;
}

export function jobInfoFromEnv(env: Env): JobInfo {
  return {
    name: text(env, 'CI_JOB_NAME'),
    stage: text(env, 'CI_JOB_STAGE'),
    id: integer(env, 'CI_JOB_ID', { min: 1 }),
    runner: text(env, 'CI_RUNNER_DESCRIPTION') ?? text(env, 'CI_RUNNER_ID'),
    url: text(env, 'CI_JOB_URL'),
  };
}

/**
 * CI_JOB_STATUS (set for after_script) → the job's final status. GitLab documents success, failed and canceled;
 * runners have also been seen to report `timedout`, which is a failure.
 */
export function statusFromJobStatus(value: string | undefined): JobStatus | null {
  switch (value) {
    case 'success':
      return 'done';
    case 'failed':
    case 'timedout':
      return 'failed';
    case 'canceled':
    case 'canceling':
      return 'canceled';
    default:
      return null;
  }
}

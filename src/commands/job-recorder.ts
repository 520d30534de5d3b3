/**
 * What `healer stage` and `healer run` share: finding the record of the current pipeline from flags and CI
 * variables, writing a job's status into it, and the "never break the pipeline by accident" policy.
 */
import { ContextError, jobInfoFromEnv, pipelineContextFromEnv } from '../core/ci-context.js';
import { checkJobName, checkPipelineId, checkStageName, own } from '../core/names.js';
import {
  applyJobUpdate,
  emptyRecord,
  withContext,
  type JobStatus,
  type JobUpdate,
  type PipelineContext,
  type ProgressRecord,
} from '../core/record.js';
import { formatTimestamp } from '../core/time.js';
import { isHealerError, usageError } from '../errors.js';
import type { Output } from '../output.js';
import { DEFAULT_STATE_DIR, FileStore, type UpdateResult } from '../store/file-store.js';
import { lockOptionsFromEnv } from '../store/lock.js';

type Env = Record<string, string | undefined>;

export interface TargetFlags {
  job?: string;
  stateDir?: string;
  pipelineId?: string;
  strict?: boolean;
}

export interface JobTarget {
  store: FileStore;
  pipelineId: number;
  context: PipelineContext;
  job: string;
  jobId: number | null;
  runner: string | null;
  url: string | null;
  ciStage: string | null;
  strict: boolean;
}

export function isStrict(flags: TargetFlags, env: Env): boolean {
  return flags.strict === true || /^(1|true|yes)$/i.test(env.HEALER_STRICT ?? '');
}

/** Resolve and check everything that comes from flags and variables, before touching the disk. */
export function resolveTarget(flags: TargetFlags, env: Env): JobTarget {
  const rawId = flags.pipelineId ?? env.CI_PIPELINE_ID;
  if (rawId === undefined || rawId === '') {
    throw usageError('no pipeline id: CI_PIPELINE_ID is not set', 'run this inside a GitLab CI job, or pass --pipeline-id ID');
  }
  const id = checkPipelineId(rawId);
  if (!id.ok) throw usageError(id.reason, 'pass the numeric id of the pipeline (CI_PIPELINE_ID)');
  try {
    const info = jobInfoFromEnv(env);
    const jobName = flags.job ?? info.name;
    if (jobName === null || jobName === undefined) {
      throw usageError('no job name: CI_JOB_NAME is not set', 'pass --job NAME');
    }
    const jobCheck = checkJobName(jobName);
    if (!jobCheck.ok) throw usageError(jobCheck.reason);
    const stateDir = flags.stateDir ?? (env.HEALER_STATE_DIR || DEFAULT_STATE_DIR);
    return {
      store: new FileStore(stateDir, lockOptionsFromEnv(env)),
      pipelineId: id.value,
      context: pipelineContextFromEnv(env, id.value),
      job: jobCheck.value,
      jobId: info.id,
      runner: info.runner,
      url: info.url,
      ciStage: info.stage,
      strict: isStrict(flags, env),
    };
  } catch (error) {
    if (error instanceof ContextError) throw usageError(error.message);
    throw error;
  }
}

export function checkStage(stage: string | null | undefined): string {
  if (stage === null || stage === undefined || stage === '') {
    throw usageError('no stage: pass the stage name, or run inside a GitLab CI job (CI_JOB_STAGE)');
  }
  const check = checkStageName(stage);
  if (!check.ok) throw usageError(check.reason);
  return check.value;
}

/** What one job update did to the record (the store's own answer). */
export type Recorded = UpdateResult;

/** The change one job update makes to a record (null: nothing to write). */
function jobChange(target: JobTarget, stage: string, status: JobStatus, now: number, heartbeat: boolean) {
  const nowIso = formatTimestamp(now);
  const update: JobUpdate = {
    job: target.job,
    stage,
    status,
    jobId: target.jobId,
    runner: target.runner,
    url: target.url,
    heartbeat,
  };
  return (current: ProgressRecord | null): ProgressRecord | null => {
    if (heartbeat && current === null) return null;
    const base = withContext(current ?? emptyRecord(target.context, nowIso), target.context);
    const next = applyJobUpdate(base, update, nowIso);
    return heartbeat && next === base ? null : next;
  };
}

/** Write one job update under the record's lock (for commands that keep other work going meanwhile). */
export async function recordJob(
  target: JobTarget,
  stage: string,
  status: JobStatus,
  now: number,
  { heartbeat = false }: { heartbeat?: boolean } = {},
): Promise<Recorded> {
  return target.store.update(target.pipelineId, jobChange(target, stage, status, now, heartbeat));
}

/** The same, synchronously: `healer stage` is a one-shot process with nothing else to do while it waits. */
export function recordJobSync(target: JobTarget, stage: string, status: JobStatus, now: number): Recorded {
  return target.store.updateSync(target.pipelineId, jobChange(target, stage, status, now, false));
}

export function stageStatusOf(record: ProgressRecord, stage: string): string | undefined {
  return own(record.stages, stage)?.status;
}

/**
 * The policy for problems that are not the user's input: a missing or unwritable state folder, a lock not had in
 * time, or a bug. Without --strict: one warning line, exit 0, the job goes on. With --strict: an error and exit 3.
 * Bad input (usage errors) always exits 2.
 */
export function handleRecordingFailure(error: unknown, strict: boolean, out: Output): number {
  if (isHealerError(error) && error.kind === 'usage') throw error;
  if (strict) {
    out.error(error);
    return isHealerError(error) ? 3 : 1;
  }
  const message = isHealerError(error)
    ? `${error.message}${error.hint ? ` (${error.hint})` : ''}`
    : `unexpected problem: ${(error as Error)?.message ?? String(error)}`;
  out.warn(`progress not recorded: ${message}; continuing (set HEALER_STRICT=1 to fail the job instead)`);
  if (out.verbose && error instanceof Error && error.stack) out.debug(error.stack);
  return 0;
}


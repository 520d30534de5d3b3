/**
 * `healer stage <stage> <status>` and `healer stage --from-job-status`: record one job's progress.
 * Runs in every CI job, so it loads only the core, the store and proper-lockfile.
 */
import { statusFromJobStatus } from '../core/ci-context.js';
import { isJobStatus, JOB_STATUSES, type JobStatus } from '../core/record.js';
import { usageError } from '../errors.js';
import type { Output } from '../output.js';
import { checkStage, handleRecordingFailure, recordJobSync, resolveTarget, stageStatusOf, type TargetFlags } from './job-recorder.js';

export interface StageOptions extends TargetFlags {
  stage?: string;
  status?: string;
  fromJobStatus?: boolean;
}

export interface StageDeps {
  env: Record<string, string | undefined>;
  out: Output;
  now: () => number;
}

function resolveStatus(options: StageOptions, env: StageDeps['env']): JobStatus {
  if (options.fromJobStatus) {
    if (options.status !== undefined) throw usageError('give either a status or --from-job-status, not both');
    const raw = env.CI_JOB_STATUS;
    if (raw === undefined || raw === '') {
      throw usageError('CI_JOB_STATUS is not set', '--from-job-status is meant for after_script in a GitLab CI job');
    }
    const status = statusFromJobStatus(raw);
    if (status === null) throw usageError(`CI_JOB_STATUS=${JSON.stringify(raw).slice(0, 40)} is not success, failed or canceled`);
    return status;
  }
  if (options.status === undefined) {
    throw usageError('no status given', `usage: healer stage <stage> <${JOB_STATUSES.join('|')}>, or healer stage --from-job-status`);
  }
  if (!isJobStatus(options.status)) {
    throw usageError(`unknown status ${JSON.stringify(options.status).slice(0, 40)}`, `use one of ${JOB_STATUSES.join(', ')}`);
  }
  return options.status;
}

export async function runStage(options: StageOptions, deps: StageDeps): Promise<number> {
  const { env, out } = deps;
  const status = resolveStatus(options, env);
  const target = resolveTarget(options, env);
  const stage = checkStage(options.stage ?? target.ciStage);
  try {
    const result = recordJobSync(target, stage, status, deps.now());
    const stageStatus = stageStatusOf(result.record, stage);
    if (out.json) {
      out.data({
        ok: true,
        pipeline_id: target.pipelineId,
        job: target.job,
        stage,
        status,
        stage_status: stageStatus ?? null,
        record: result.path,
        upgraded_from: result.upgradedFrom,
      });
    } else {
      const upgraded = result.upgradedFrom ? ' (legacy record upgraded)' : '';
      out.line(`healer: ${target.job} [${stage}] ${status}; stage ${stage} ${stageStatus ?? 'unknown'}${upgraded}`);
    }
    return 0;
  } catch (error) {
    const code = handleRecordingFailure(error, target.strict, out);
    if (out.json) out.data({ ok: false, pipeline_id: target.pipelineId, job: target.job, stage, status, recorded: false });
    return code;
  }
}

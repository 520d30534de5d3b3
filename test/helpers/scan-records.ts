/** Building progress records for tests: a pipeline with stages and jobs at given ages, and writing them to a state folder. */
import type { JobStatus, ProgressRecord } from '../../src/core/record.js';
import { formatTimestamp } from '../../src/core/time.js';
import { MINUTE, writeRecordFile } from './records.js';

export { MINUTE };

export interface JobSpec {
  name: string;
  stage: string;
  status: JobStatus;
  /** How long ago the job's last update (heartbeat) was, in ms. */
  agoMs?: number;
  jobId?: number;
}

export interface RecordSpec {
  id: number;
  now: number;
  project?: number | null;
  serverUrl?: string | null;
  ref?: string;
  stages?: string[];
  jobs?: JobSpec[];
  /** How long ago the record was created (default 20 minutes). */
  createdAgoMs?: number;
  root?: number;
  parent?: number | null;
  attempt?: number;
  retryCount?: number;
}

const STAGE_RANK: Record<string, number> = { in_progress: 5, failed: 4, canceled: 3, done: 1, skipped: 0 };

export function makeRecord(spec: RecordSpec): ProgressRecord {
  const at = (ago: number) => formatTimestamp(spec.now - ago);
  const created = at(spec.createdAgoMs ?? 20 * MINUTE);
  const jobs: ProgressRecord['jobs'] = {};
  const stages: ProgressRecord['stages'] = {};
  for (const job of spec.jobs ?? []) {
    const updated = at(job.agoMs ?? MINUTE);
    jobs[job.name] = {
      stage: job.stage,
      status: job.status,
      job_id: job.jobId ?? null,
      runner: 'runner-1',
      started: created,
      updated,
      finished: job.status === 'in_progress' ? null : updated,
    };
    const prev = stages[job.stage];
    if (!prev || (STAGE_RANK[job.status] ?? 0) > (STAGE_RANK[String(prev.status)] ?? 0)) stages[job.stage] = { status: job.status, updated };
  }
  const record: ProgressRecord = {
    version: 1,
    pipeline: { id: spec.id, ref: spec.ref ?? 'main', sha: 'abc123', source: 'push' },
    lineage: {
      root_pipeline_id: spec.root ?? spec.id,
      parent_pipeline_id: spec.parent ?? null,
      attempt: spec.attempt ?? 0,
      resume_stage: null,
    },
    jobs,
    stages,
    resumes: [],
    retry_count: spec.retryCount ?? 0,
    created,
    updated: created,
  };
  if (spec.project !== null) record.project = { id: spec.project ?? 42, path: 'group/app', server_url: spec.serverUrl ?? null };
  if (spec.stages) record.stage_order = spec.stages;
  return record;
}

/** A pipeline stuck in `test`: build done, unit-tests in_progress without a heartbeat for `agoMs`. */
export function stuckRecord(id: number, now: number, extra: Partial<RecordSpec> = {}, agoMs = 30 * MINUTE): ProgressRecord {
  return makeRecord({
    id,
    now,
    stages: ['build', 'test', 'deploy'],
    jobs: [
      { name: 'build-app', stage: 'build', status: 'done', agoMs: agoMs + 5 * MINUTE, jobId: id * 10 + 1 },
      { name: 'unit-tests', stage: 'test', status: 'in_progress', agoMs, jobId: id * 10 + 2 },
    ],
    ...extra,
  });
}

export function finishedRecord(id: number, now: number, extra: Partial<RecordSpec> = {}): ProgressRecord {
  return makeRecord({
    id,
    now,
    stages: ['build', 'test', 'deploy'],
    jobs: [
      { name: 'build-app', stage: 'build', status: 'done', agoMs: 15 * MINUTE },
      { name: 'unit-tests', stage: 'test', status: 'done', agoMs: 10 * MINUTE },
      { name: 'deploy', stage: 'deploy', status: 'done', agoMs: 5 * MINUTE },
    ],
    ...extra,
  });
}

export async function writeRecord(stateDir: string, record: ProgressRecord | Record<string, unknown> | string, id?: number): Promise<string> {
  return writeRecordFile(stateDir, id ?? (record as ProgressRecord).pipeline.id, record);
}

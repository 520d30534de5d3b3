/** Building state folders for tests: v1 records, legacy records and broken files, with times relative to now. */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobEntry, ProgressRecord, ResumeEntry } from '../../src/core/record.js';
import { deriveStageStatus, type JobStatus } from '../../src/core/record.js';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** An ISO timestamp `ms` milliseconds before now (second precision, Z). */
export function ago(ms: number, now = Date.now()): string {
  return new Date(Math.floor((now - ms) / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export interface JobSpec {
  stage: string;
  status: JobStatus;
  id?: number | null;
  /** How long ago the job last reported. */
  updatedAgo?: number;
}

export interface RecordSpec {
  id: number;
  ref?: string;
  projectId?: number;
  stages?: string[];
  jobs?: Record<string, JobSpec>;
  root?: number;
  parent?: number | null;
  attempt?: number;
  resumeStage?: string | null;
  resumes?: ResumeEntry[];
  /** How long ago the record was created. */
  createdAgo?: number;
}

export function v1Record(spec: RecordSpec, now = Date.now()): ProgressRecord {
  const jobs: Record<string, JobEntry> = {};
  for (const [name, job] of Object.entries(spec.jobs ?? {})) {
    const updated = ago(job.updatedAgo ?? 0, now);
    jobs[name] = {
      stage: job.stage,
      status: job.status,
      job_id: job.id === undefined ? null : job.id,
      started: updated,
      updated,
      finished: job.status === 'in_progress' ? null : updated,
    };
  }
  const stages: ProgressRecord['stages'] = {};
  for (const stage of new Set(Object.values(jobs).map((j) => j.stage))) {
    const mine = Object.values(jobs).filter((j) => j.stage === stage);
    const updated = mine.map((j) => j.updated).sort().at(-1)!;
    stages[stage] = { status: deriveStageStatus(mine.map((j) => j.status)), updated };
  }
  const times = Object.values(jobs).map((j) => j.updated).sort();
  const created = ago(spec.createdAgo ?? 0, now);
  return {
    version: 1,
    project: { id: spec.projectId ?? 42, path: 'group/app' },
    pipeline: { id: spec.id, ref: spec.ref ?? 'main' },
    lineage: {
      root_pipeline_id: spec.root ?? spec.id,
      parent_pipeline_id: spec.parent ?? null,
      attempt: spec.attempt ?? 0,
      resume_stage: spec.resumeStage ?? null,
    },
    stage_order: spec.stages ?? ['build', 'test', 'deploy'],
    jobs,
    stages,
    resumes: spec.resumes ?? [],
    retry_count: 0,
    created: spec.createdAgo === undefined ? (times[0] ?? created) : created,
    updated: times.at(-1) ?? created,
  };
}

export async function writeRecordFile(stateDir: string, id: number, content: unknown): Promise<string> {
  const folder = join(stateDir, String(id));
  await mkdir(folder, { recursive: true });
  const path = join(folder, '.ci-progress.json');
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2) + '\n');
  return path;
}

/** The old bash helper's format: zone-less UTC timestamps, stages only. */
export function legacyRecord(id: number, stages: Record<string, { status: string; updatedAgo: number | null }>, now = Date.now()) {
  return {
    pipeline_id: id,
    ref: 'main',
    retry_count: 0,
    stages: Object.fromEntries(
      Object.entries(stages).map(([name, s]) => [name, { status: s.status, updated: s.updatedAgo === null ? null : ago(s.updatedAgo, now).replace('Z', '') }]),
    ),
  };
}

// Reading and polling records written by real processes.

export function recordPath(stateDir: string, pipelineId: number | string): string {
  return join(stateDir, String(pipelineId), '.ci-progress.json');
}

export async function readRecord(stateDir: string, pipelineId: number | string): Promise<ProgressRecord> {
  return JSON.parse(await readFile(recordPath(stateDir, pipelineId), 'utf8')) as ProgressRecord;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Poll until `check` returns a value (not undefined) or the bounded number of tries runs out. */
export async function waitFor<T>(check: () => Promise<T | undefined>, { tries = 200, everyMs = 50 } = {}): Promise<T> {
  for (let i = 0; i < tries; i += 1) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    await sleep(everyMs);
  }
  throw new Error(`condition not met after ${tries} tries`);
}

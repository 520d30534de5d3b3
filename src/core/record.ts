/**
 * The progress record, version 1, and its pure transitions. Time comes in as a parameter; nothing here does I/O.
 * Shape and field meanings: schema/progress-record.v1.schema.json. Unknown fields are carried through untouched.
 */
import { own } from './names.js';
import { withZone } from './time.js';

export const JOB_STATUSES = ['in_progress', 'done', 'failed', 'skipped', 'canceled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export type StageStatus = JobStatus | 'pending';

export function isJobStatus(value: unknown): value is JobStatus {
  return typeof value === 'string' && (JOB_STATUSES as readonly string[]).includes(value);
}

export interface JobEntry {
  stage: string;
  status: JobStatus;
  job_id?: number | null;
  runner?: string | null;
  url?: string | null;
  started?: string | null;
  updated: string;
  finished?: string | null;
  [extra: string]: unknown;
}

export interface StageEntry {
  status: StageStatus | string;
  updated?: string | null;
  [extra: string]: unknown;
}

export interface ResumeEntry {
  at: string;
  stage: string;
  reason?: string;
  state: 'intent' | 'triggered' | 'failed';
  attempt?: number;
  pipeline_id?: number | null;
  pipeline_url?: string | null;
  error?: string | null;
  /** Written by healer scan/resume (see the schema): who wrote the intent and how the resume was started. */
  owner?: string;
  via?: 'create' | 'trigger';
  cause?: string;
  ref?: string | null;
  project?: string | null;
  settled_at?: string;
  canceled?: boolean | null;
  recovered?: boolean;
  [extra: string]: unknown;
}

export interface ProjectInfo {
  id?: number | null;
  path?: string | null;
  server_url?: string | null;
  [extra: string]: unknown;
}

export interface PipelineInfo {
  id: number;
  iid?: number | null;
  ref?: string | null;
  sha?: string | null;
  source?: string | null;
  url?: string | null;
  created_at?: string | null;
  [extra: string]: unknown;
}

export interface Lineage {
  root_pipeline_id: number;
  parent_pipeline_id: number | null;
  attempt: number;
  resume_stage: string | null;
  [extra: string]: unknown;
}

export interface ProgressRecord {
  version: 1;
  project?: ProjectInfo;
  pipeline: PipelineInfo;
  lineage?: Lineage;
  stage_order?: string[];
  jobs: Record<string, JobEntry>;
  stages: Record<string, StageEntry>;
  resumes?: ResumeEntry[];
  retry_count?: number;
  created?: string;
  updated?: string;
  [extra: string]: unknown;
}

/** The bash helper's format: {pipeline_id, ref, stages: {NAME: {status, updated}}, retry_count}. */
export interface LegacyRecord {
  pipeline_id?: number | string;
  ref?: string | null;
  stages: Record<string, { status: string; updated?: string | null; [extra: string]: unknown }>;
  retry_count?: number;
  [extra: string]: unknown;
}

/**
 * Upgrade a legacy record to version 1, losing nothing: every field stays (legacy `pipeline_id` and `ref` are kept
 * beside the new `pipeline` block so old readers still find them), zone-less timestamps get their `Z`.
 */
export function upgradeLegacy(legacy: LegacyRecord, pipelineId: number): ProgressRecord {
  const stages = Object.fromEntries(
    Object.entries(legacy.stages).map(([name, entry]) => [name, { ...entry, updated: withZone(entry.updated ?? null) }]),
  );
  const { stages: _stages, ...rest } = legacy;
  void _stages;
  return {
    ...rest,
    version: 1,
    pipeline: { id: pipelineId, ref: typeof legacy.ref === 'string' ? legacy.ref : null },
    lineage: { root_pipeline_id: pipelineId, parent_pipeline_id: null, attempt: 0, resume_stage: null },
    jobs: {},
    stages,
    resumes: [],
    retry_count: typeof legacy.retry_count === 'number' ? legacy.retry_count : 0,
  };
}

/**
 * The status of a stage from the jobs seen in it. A stage is never `done` while one of its jobs runs or failed:
 * any job in_progress → in_progress; else any failed → failed; else any canceled → canceled;
 * else done when at least one job is done (the others skipped), skipped when all were skipped.
 */
export function deriveStageStatus(statuses: readonly JobStatus[]): JobStatus {
  if (statuses.includes('in_progress')) return 'in_progress';
  if (statuses.includes('failed')) return 'failed';
  if (statuses.includes('canceled')) return 'canceled';
  if (statuses.includes('done')) return 'done';
  return statuses.length > 0 ? 'skipped' : 'in_progress';
}

/** Stage names in pipeline order: the recorded order when known, then stages in the order they first appeared. */
export function stageOrderOf(record: ProgressRecord): string[] {
  const order = [...(record.stage_order ?? [])];
  const seen = new Set(order);
  const appear = (name: string) => {
    if (!seen.has(name)) {
      seen.add(name);
      order.push(name);
    }
  };
  for (const name of Object.keys(record.stages)) appear(name);
  for (const job of Object.values(record.jobs)) appear(job.stage);
  return order;
}

export interface PipelineContext {
  pipelineId: number;
  project?: ProjectInfo;
  pipeline?: Omit<PipelineInfo, 'id'>;
  /** Set only when the pipeline was started by a resume (HEALER_* variables present). */
  lineage?: Lineage;
  stageOrder?: string[];
}

export interface JobUpdate {
  job: string;
  stage: string;
  status: JobStatus;
  jobId?: number | null;
  runner?: string | null;
  url?: string | null;
  /**
   * A heartbeat only refreshes `updated` of a job that is still in_progress with the same job id; it never
   * revives a job that has finished.
   */
  heartbeat?: boolean;
}

export function emptyRecord(ctx: PipelineContext, now: string): ProgressRecord {
  return {
    version: 1,
    pipeline: { id: ctx.pipelineId },
    lineage: { root_pipeline_id: ctx.pipelineId, parent_pipeline_id: null, attempt: 0, resume_stage: null },
    jobs: {},
    stages: {},
    resumes: [],
    retry_count: 0,
    created: now,
    updated: now,
  };
}

function fillMissing<T extends object>(base: T | undefined, extra: Partial<T> | undefined): T | undefined {
  if (!extra) return base;
  const out: Record<string, unknown> = { ...(base ?? {}) };
  let added = false;
  for (const [key, value] of Object.entries(extra)) {
    if (value !== undefined && value !== null && (out[key] === undefined || out[key] === null)) {
      out[key] = value;
      added = true;
    }
  }
  return added ? (out as T) : base;
}

/** Copy what the CI variables tell about the pipeline into the record; known values are never overwritten. */
export function withContext(record: ProgressRecord, ctx: PipelineContext): ProgressRecord {
  const next: ProgressRecord = { ...record };
  const project = fillMissing(record.project, ctx.project);
  if (project) next.project = project;
  next.pipeline = fillMissing(record.pipeline, ctx.pipeline as Partial<PipelineInfo>) ?? record.pipeline;
  // Lineage variables are set on the whole pipeline by the resume that created it: they are the truth.
  if (ctx.lineage) next.lineage = { ...(record.lineage ?? {}), ...ctx.lineage };
  if (ctx.stageOrder && ctx.stageOrder.length > 0 && !(record.stage_order && record.stage_order.length > 0)) {
    next.stage_order = [...ctx.stageOrder];
  }
  return next;
}

const TERMINAL: ReadonlySet<JobStatus> = new Set(['done', 'failed', 'skipped', 'canceled']);

/** Record one job's new status and re-derive the status of the stages it touches. */
export function applyJobUpdate(record: ProgressRecord, update: JobUpdate, now: string): ProgressRecord {
  const prev = own(record.jobs, update.job);
  if (update.heartbeat) {
    const sameRun = prev !== undefined && prev.status === 'in_progress' && (update.jobId == null || prev.job_id == null || prev.job_id === update.jobId);
    if (!sameRun) return record;
    const entry: JobEntry = { ...prev, updated: now };
    return { ...record, jobs: { ...record.jobs, [update.job]: entry }, updated: now };
  }
  // A new job id under the same name is a retry of the job: its times start again.
  const newRun = prev === undefined || (update.jobId != null && prev.job_id != null && prev.job_id !== update.jobId);
  const started =
    update.status === 'in_progress'
      ? newRun || prev?.status !== 'in_progress' ? now : prev.started ?? now
      : newRun ? null : prev?.started ?? null;
  const entry: JobEntry = {
    ...(newRun ? {} : prev),
    stage: update.stage,
    status: update.status,
    job_id: update.jobId ?? (newRun ? null : prev?.job_id ?? null),
    runner: update.runner ?? (newRun ? null : prev?.runner ?? null),
    started,
    updated: now,
    finished: TERMINAL.has(update.status) ? now : null,
  };
  if (update.url ?? (!newRun && prev?.url)) entry.url = update.url ?? prev?.url ?? null;
  const jobs = { ...record.jobs, [update.job]: entry };
  let stages = deriveStage(jobs, record.stages, update.stage, now);
  if (prev && prev.stage !== update.stage) stages = deriveStage(jobs, stages, prev.stage, now);
  return { ...record, jobs, stages, updated: now };
}

function deriveStage(
  jobs: Record<string, JobEntry>,
  stages: Record<string, StageEntry>,
  stage: string,
  now: string,
): Record<string, StageEntry> {
  const statuses = Object.values(jobs)
    .filter((job) => job.stage === stage)
    .map((job) => job.status);
  const prev = own(stages, stage);
  if (statuses.length === 0) {
    // No job left in it (a job moved stage): drop a derived entry.
    const { [stage]: _gone, ...rest } = stages;
    void _gone;
    return rest;
  }
  return { ...stages, [stage]: { ...(prev ?? {}), status: deriveStageStatus(statuses), updated: now } };
}

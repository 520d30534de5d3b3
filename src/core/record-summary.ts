/**
 * What a record says about its pipeline at a given moment: each stage's state, the stuck job if any, whether
 * anything still runs, and the record's age — from the record's own timestamps, never from file times.
 * Pure: `now` and the thresholds come in as parameters. `healer status` and `healer prune` read these facts, and the
 * watchdog's decision judges "stuck" the same way (a job in_progress whose last update, its heartbeat, is older
 * than its stage's threshold).
 */
import { own } from './names.js';
import { thresholdFor, type Thresholds } from './policy.js';
import { stageOrderOf, type ProgressRecord, type ResumeEntry } from './record.js';
import { parseTimestamp } from './time.js';

/**
 * A stage as shown to people: its recorded status, or `stuck`; when nothing was recorded for it, `skipped` if the
 * pipeline was resumed past it, else `pending`.
 */
export type StageState = 'pending' | 'in_progress' | 'stuck' | 'done' | 'failed' | 'skipped' | 'canceled' | 'unknown';

/**
 * The record as a whole. `stuck` wins over `running` (one stuck job is what an operator must see first), then
 * failed, canceled, done (every stage in order done or skipped), and `waiting` (nothing runs, later stages have not
 * started: between stages, or abandoned).
 */
export type RecordState = 'stuck' | 'running' | 'failed' | 'canceled' | 'done' | 'waiting';

export interface StuckJob {
  /** The job's name; null for a legacy record, which knows only stages. */
  job: string | null;
  stage: string;
  jobId: number | null;
  idleMs: number;
  thresholdMs: number;
}

export interface StageSummary {
  name: string;
  state: StageState;
  /** How many recorded jobs the stage has (0 for legacy records). */
  jobs: number;
}

export interface RecordSummary {
  pipelineId: number;
  ref: string | null;
  state: RecordState;
  stages: StageSummary[];
  /** The stuck job of the earliest stage (longest silent first), or null. */
  stuck: StuckJob | null;
  /** Jobs (or legacy stages) in_progress with an update younger than their threshold. */
  liveJobs: number;
  /** A pipeline of this record is still alive: something in_progress reported within its threshold. */
  live: boolean;
  /** Nothing is in_progress any more (every job reached an end, or none started). */
  finished: boolean;
  /** Earliest and latest instants found in the record (ms since the epoch); null when it holds no timestamp. */
  firstMs: number | null;
  lastMs: number | null;
  /** now - firstMs and now - lastMs; null when unknown. */
  ageMs: number | null;
  idleMs: number | null;
  lineage: { rootPipelineId: number; parentPipelineId: number | null; attempt: number; resumeStage: string | null };
  resumes: ResumeEntry[];
}

interface Unit {
  job: string | null;
  stage: string;
  status: string;
  jobId: number | null;
  updated: number;
}

/** The units that can be in_progress: recorded jobs, and stages that have no recorded job (legacy records). */
function unitsOf(record: ProgressRecord): Unit[] {
  const units: Unit[] = [];
  const stagesWithJobs = new Set<string>();
  for (const [name, job] of Object.entries(record.jobs)) {
    stagesWithJobs.add(job.stage);
    units.push({ job: name, stage: job.stage, status: job.status, jobId: job.job_id ?? null, updated: parseTimestamp(job.updated) });
  }
  for (const [name, stage] of Object.entries(record.stages)) {
    if (stagesWithJobs.has(name)) continue;
    units.push({ job: null, stage: name, status: String(stage.status), jobId: null, updated: parseTimestamp(stage.updated) });
  }
  return units;
}

function timestampsOf(record: ProgressRecord): number[] {
  const all: unknown[] = [record.created, record.updated, record.pipeline.created_at];
  for (const job of Object.values(record.jobs)) all.push(job.started, job.updated, job.finished);
  for (const stage of Object.values(record.stages)) all.push(stage.updated);
  for (const resume of record.resumes ?? []) all.push(resume.at);
  return all.map(parseTimestamp).filter((ms) => !Number.isNaN(ms));
}

export function summarizeRecord(record: ProgressRecord, now: number, thresholds: Thresholds): RecordSummary {
  const order = stageOrderOf(record);
  const rank = (stage: string) => {
    const i = order.indexOf(stage);
    return i < 0 ? order.length : i;
  };
  const stuckUnits: StuckJob[] = [];
  let liveJobs = 0;
  let running = 0;
  for (const unit of unitsOf(record)) {
    if (unit.status !== 'in_progress') continue;
    running += 1;
    const thresholdMs = thresholdFor(thresholds, unit.stage);
    // An in_progress entry without a readable time cannot prove it is alive: it counts as silent forever.
    const idleMs = Number.isNaN(unit.updated) ? Number.POSITIVE_INFINITY : Math.max(0, now - unit.updated);
    if (idleMs > thresholdMs) stuckUnits.push({ job: unit.job, stage: unit.stage, jobId: unit.jobId, idleMs, thresholdMs });
    else liveJobs += 1;
  }
  stuckUnits.sort((a, b) => rank(a.stage) - rank(b.stage) || (a.idleMs === b.idleMs ? 0 : a.idleMs < b.idleMs ? 1 : -1));
  const stuckStages = new Set(stuckUnits.map((s) => s.stage));

  // A pipeline resumed at stage R does not run the stages before R (their results come from the earlier pipelines).
  const resumeAt = record.lineage?.resume_stage ? order.indexOf(record.lineage.resume_stage) : -1;
  const stages: StageSummary[] = order.map((name, index) => {
    const entry = own(record.stages, name);
    const jobs = Object.values(record.jobs).filter((job) => job.stage === name).length;
    let state: StageState;
    if (stuckStages.has(name)) state = 'stuck';
    else if (entry === undefined) state = index < resumeAt ? 'skipped' : 'pending';
    else state = (['pending', 'in_progress', 'done', 'failed', 'skipped', 'canceled'] as const).find((s) => s === entry.status) ?? 'unknown';
    return { name, state, jobs };
  });

  const statuses = new Set(stages.map((s) => s.state));
  let state: RecordState;
  if (stuckUnits.length > 0) state = 'stuck';
  else if (liveJobs > 0) state = 'running';
  else if (statuses.has('failed')) state = 'failed';
  else if (statuses.has('canceled')) state = 'canceled';
  else if (stages.length > 0 && stages.every((s) => s.state === 'done' || s.state === 'skipped')) state = 'done';
  else state = 'waiting';

  const times = timestampsOf(record);
  const firstMs = times.length > 0 ? Math.min(...times) : null;
  const lastMs = times.length > 0 ? Math.max(...times) : null;
  const lineage = record.lineage;
  return {
    pipelineId: record.pipeline.id,
    ref: typeof record.pipeline.ref === 'string' ? record.pipeline.ref : null,
    state,
    stages,
    stuck: stuckUnits[0] ?? null,
    liveJobs,
    live: liveJobs > 0,
    finished: running === 0,
    firstMs,
    lastMs,
    ageMs: firstMs === null ? null : Math.max(0, now - firstMs),
    idleMs: lastMs === null ? null : Math.max(0, now - lastMs),
    lineage: {
      rootPipelineId: lineage?.root_pipeline_id ?? record.pipeline.id,
      parentPipelineId: lineage?.parent_pipeline_id ?? null,
      attempt: lineage?.attempt ?? 0,
      resumeStage: lineage?.resume_stage ?? null,
    },
    resumes: [...(record.resumes ?? [])],
  };
}

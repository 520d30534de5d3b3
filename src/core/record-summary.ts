/**
 * What a record says about its pipeline at a given moment, as `healer status` shows it and `healer prune` judges it:
 * each stage's state, the stuck job if any, whether anything still runs, and the record's age. Every fact comes from
 * record-facts.ts, the same functions the watchdog's decision uses (stuck = a unit in_progress whose last update, its
 * heartbeat, is older than its stage's threshold; a stage the pipeline went past is not pending). Pure.
 */
import { attemptOf, resumesOf, rootOf } from './lineage.js';
import type { Thresholds } from './policy.js';
import { inProgressUnits, recordTimes, stageProgress, workUnits } from './record-facts.js';
import type { ProgressRecord, ResumeEntry } from './record.js';

/**
 * A stage as shown to people: its recorded status, or `stuck`; when nothing was recorded for it, `skipped` if the
 * pipeline went past it (resumed past it, or a later stage has records), else `pending`. `.pre` and `.post` are
 * shown only once something was recorded in them (GitLab creates them only when they have jobs).
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
  /** When the pipeline began and when the record last changed (core/record-facts.ts recordTimes); null when unknown. */
  firstMs: number | null;
  lastMs: number | null;
  /** now - firstMs and now - lastMs; null when unknown. */
  ageMs: number | null;
  idleMs: number | null;
  lineage: { rootPipelineId: number; parentPipelineId: number | null; attempt: number; resumeStage: string | null };
  resumes: ResumeEntry[];
}

const STAGE_STATES = ['pending', 'in_progress', 'done', 'failed', 'skipped', 'canceled'] as const;

export function summarizeRecord(record: ProgressRecord, now: number, thresholds: Thresholds): RecordSummary {
  const units = workUnits(record);
  const { stale, live } = inProgressUnits(record, now, thresholds, units);
  const stuckStages = new Set(stale.map((unit) => unit.stage));
  const stages: StageSummary[] = stageProgress(record)
    .filter((stage) => !stage.maybeAbsent)
    .map(({ name, status, passed }) => {
      let state: StageState;
      if (stuckStages.has(name)) state = 'stuck';
      else if (status === null) state = passed ? 'skipped' : 'pending';
      else state = STAGE_STATES.find((known) => known === status) ?? 'unknown';
      return { name, state, jobs: units.filter((unit) => unit.kind === 'job' && unit.stage === name).length };
    });

  const statuses = new Set(stages.map((s) => s.state));
  let state: RecordState;
  if (stale.length > 0) state = 'stuck';
  else if (live.length > 0) state = 'running';
  else if (statuses.has('failed')) state = 'failed';
  else if (statuses.has('canceled')) state = 'canceled';
  else if (stages.length > 0 && stages.every((s) => s.state === 'done' || s.state === 'skipped')) state = 'done';
  else state = 'waiting';

  const { firstMs, lastMs } = recordTimes(record);
  const first = stale[0];
  return {
    pipelineId: record.pipeline.id,
    ref: typeof record.pipeline.ref === 'string' ? record.pipeline.ref : null,
    state,
    stages,
    stuck: first ? { job: first.kind === 'job' ? first.name : null, stage: first.stage, jobId: first.jobId, idleMs: first.idleMs, thresholdMs: first.thresholdMs } : null,
    liveJobs: live.length,
    live: live.length > 0,
    finished: stale.length + live.length === 0,
    firstMs,
    lastMs,
    ageMs: firstMs === null ? null : Math.max(0, now - firstMs),
    idleMs: lastMs === null ? null : Math.max(0, now - lastMs),
    lineage: {
      rootPipelineId: rootOf(record),
      parentPipelineId: record.lineage?.parent_pipeline_id ?? null,
      attempt: attemptOf(record),
      resumeStage: record.lineage?.resume_stage ?? null,
    },
    resumes: [...resumesOf(record)],
  };
}

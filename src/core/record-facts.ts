/**
 * The facts of one record that both the watchdog's decision (triage.ts, decide.ts, manual.ts) and the people's view
 * (record-summary.ts: `healer status`, `healer prune`) read, each computed here once: the record's work units and
 * which of them are stuck, its time span, and how far its stages got. Pure: `now` comes in as a parameter.
 */
import { own } from './names.js';
import { thresholdFor, type Thresholds } from './policy.js';
import { stageOrderOf, type ProgressRecord } from './record.js';
import { parseTimestamp } from './time.js';

/** A job of the record, or a stage that has no recorded job (the bash helper's records know only stages). */
export interface WorkUnit {
  kind: 'job' | 'stage';
  name: string;
  stage: string;
  status: string;
  jobId: number | null;
  updatedMs: number | null;
}

/** An in_progress unit silent for longer than its stage's threshold. */
export interface StaleUnit extends WorkUnit {
  /** now - its last update; Infinity when it has no readable time (it cannot prove it is alive). */
  idleMs: number;
  thresholdMs: number;
}

const nanToNull = (n: number): number | null => (Number.isNaN(n) ? null : n);

/**
 * The record's work units: every job, and every stage without any recorded job. A record the bash helper began and
 * healer continued (a migration in the middle of a pipeline) holds both, and a stage only the helper recorded
 * still tells whether that stage is stuck.
 */
export function workUnits(record: ProgressRecord): WorkUnit[] {
  const units: WorkUnit[] = [];
  const stagesWithJobs = new Set<string>();
  for (const [name, job] of Object.entries(record.jobs)) {
    stagesWithJobs.add(job.stage);
    const jobId = typeof job.job_id === 'number' ? job.job_id : null;
    units.push({ kind: 'job', name, stage: job.stage, status: job.status, jobId, updatedMs: nanToNull(parseTimestamp(job.updated)) });
  }
  for (const [name, stage] of Object.entries(record.stages)) {
    if (stagesWithJobs.has(name)) continue;
    units.push({ kind: 'stage', name, stage: name, status: String(stage.status), jobId: null, updatedMs: nanToNull(parseTimestamp(stage.updated)) });
  }
  return units;
}

/**
 * The units in_progress, split: `stale` (no update for longer than their stage's threshold), the earliest stage
 * first and within it the longest silent first, so that stale[0] is the one to name; and `live`.
 */
export function inProgressUnits(
  record: ProgressRecord,
  now: number,
  thresholds: Thresholds,
  units: readonly WorkUnit[] = workUnits(record),
): { stale: StaleUnit[]; live: WorkUnit[] } {
  const stale: StaleUnit[] = [];
  const live: WorkUnit[] = [];
  for (const unit of units) {
    if (unit.status !== 'in_progress') continue;
    const thresholdMs = thresholdFor(thresholds, unit.stage);
    const idleMs = unit.updatedMs === null ? Number.POSITIVE_INFINITY : Math.max(0, now - unit.updatedMs);
    if (idleMs > thresholdMs) stale.push({ ...unit, idleMs, thresholdMs });
    else live.push(unit);
  }
  const order = stageOrderOf(record);
  const rank = (stage: string) => {
    const i = order.indexOf(stage);
    return i < 0 ? order.length : i;
  };
  stale.sort((a, b) => rank(a.stage) - rank(b.stage) || (a.idleMs === b.idleMs ? 0 : a.idleMs < b.idleMs ? 1 : -1));
  return { stale, live };
}

/**
 * When the record's pipeline began and when the record last changed (ms since the epoch; null when it holds no
 * readable timestamp), from the record's own timestamps, never from file times. The start is the earliest of the
 * pipeline's creation and any recorded activity (a lineage is at least as old as that); the last change also counts
 * finish times, the record's own `updated` and its resumes.
 */
export function recordTimes(record: ProgressRecord): { firstMs: number | null; lastMs: number | null } {
  const starts: unknown[] = [record.pipeline.created_at, record.created];
  for (const job of Object.values(record.jobs)) starts.push(job.started, job.updated);
  for (const stage of Object.values(record.stages)) starts.push(stage.updated);
  const ends: unknown[] = [record.updated, ...Object.values(record.jobs).map((job) => job.finished), ...(record.resumes ?? []).map((r) => r.at)];
  const ms = (values: unknown[]) => values.map(parseTimestamp).filter((t) => !Number.isNaN(t));
  const first = ms(starts);
  const all = [...first, ...ms(ends)];
  return { firstMs: first.length > 0 ? Math.min(...first) : null, lastMs: all.length > 0 ? Math.max(...all) : null };
}

/**
 * Stage order: the record's own order, completed with an order learned elsewhere (GitLab's job list) for stages
 * the record has not seen yet.
 */
export function mergedStageOrder(record: ProgressRecord, learned: readonly string[] = []): string[] {
  const recorded = record.stage_order && record.stage_order.length > 0;
  const base = recorded ? stageOrderOf(record) : [...learned, ...stageOrderOf(record)];
  return [...new Set(base)];
}

export interface StageProgress {
  name: string;
  /** The recorded status, or null when nothing was recorded for the stage. */
  status: string | null;
  /**
   * Nothing recorded, but the pipeline went past it: a later stage has an entry (its jobs do not record, or it had
   * none in this pipeline), or the pipeline was resumed past it (lineage.resume_stage).
   */
  passed: boolean;
  /**
   * `.pre` or `.post` with nothing recorded: GitLab creates these stages only when they have jobs, and whether this
   * pipeline has any is not known (GitLab was not asked). A resume still counts an unpassed one as not done.
   */
  maybeAbsent: boolean;
}

const IMPLICIT_STAGES: ReadonlySet<string> = new Set(['.pre', '.post']);
const DONE_STATUSES: ReadonlySet<string> = new Set(['done', 'skipped']);

/**
 * Every stage in order, with how far the pipeline got. `learned` is GitLab's job list order when GitLab was asked
 * (then an unrecorded `.pre`/`.post` it does not show is not a stage of this pipeline at all), null otherwise.
 */
export function stageProgress(record: ProgressRecord, learned: readonly string[] | null = null): StageProgress[] {
  const seen = (stage: string) => own(record.stages, stage) !== undefined || Object.values(record.jobs).some((job) => job.stage === stage);
  const implicitUnseen = (stage: string) => IMPLICIT_STAGES.has(stage) && !seen(stage);
  const order = mergedStageOrder(record, learned ?? []).filter((stage) => learned === null || !implicitUnseen(stage) || learned.includes(stage));
  const resumeAt = record.lineage?.resume_stage ? order.indexOf(record.lineage.resume_stage) : -1;
  let lastRecorded = -1;
  order.forEach((stage, index) => {
    if (own(record.stages, stage) !== undefined) lastRecorded = index;
  });
  return order.map((name, index) => {
    const entry = own(record.stages, name);
    const passed = entry === undefined && (index < lastRecorded || index < resumeAt);
    return {
      name,
      status: entry === undefined ? null : String(entry.status),
      passed,
      maybeAbsent: learned === null && implicitUnseen(name),
    };
  });
}

/**
 * Where a resume starts: the earliest stage, in stage order, that is neither done (done or skipped) nor passed;
 * null when there is none. A stage not started yet counts as not done; so does an unrecorded `.post` unless
 * GitLab's job list (`learned`) shows the pipeline has no job there.
 */
export function resumeStageOf(record: ProgressRecord, learned: readonly string[] | null = null): string | null {
  return stageProgress(record, learned).find((stage) => !stage.passed && !DONE_STATUSES.has(stage.status ?? ''))?.name ?? null;
}

/**
 * How `healer status` shows records: a table a person reads at a glance (colours only decorate; the words carry the
 * meaning, so NO_COLOR loses nothing) and the JSON document for scripts. Printing only; the facts come from
 * core/record-summary.ts.
 */
import type { ChalkInstance } from 'chalk';
import type { RecordState, RecordSummary, StageState } from '../core/record-summary.js';
import type { ProgressRecord } from '../core/record.js';
import { formatDuration, formatTimestamp, parseTimestamp } from '../core/time.js';

export type StatusRow =
  | { kind: 'record'; summary: RecordSummary; format: 'v1' | 'legacy'; project: string | null }
  | { kind: 'broken'; pipelineId: number; path: string; reason: string };

const seconds = (ms: number | null) => (ms === null || !Number.isFinite(ms) ? null : Math.round(ms / 1000));
const iso = (ms: number | null) => (ms === null ? null : formatTimestamp(ms));

export function rowJson(row: StatusRow): Record<string, unknown> {
  if (row.kind === 'broken') return { pipeline_id: row.pipelineId, path: row.path, reason: row.reason };
  const s = row.summary;
  return {
    pipeline_id: s.pipelineId,
    format: row.format,
    ref: s.ref,
    project: row.project,
    state: s.state,
    live: s.live,
    finished: s.finished,
    first_update: iso(s.firstMs),
    last_update: iso(s.lastMs),
    age_seconds: seconds(s.ageMs),
    idle_seconds: seconds(s.idleMs),
    lineage: {
      root_pipeline_id: s.lineage.rootPipelineId,
      parent_pipeline_id: s.lineage.parentPipelineId,
      attempt: s.lineage.attempt,
      resume_stage: s.lineage.resumeStage,
    },
    stages: s.stages.map((stage) => ({ name: stage.name, state: stage.state, jobs: stage.jobs })),
    stuck: s.stuck && {
      job: s.stuck.job,
      stage: s.stuck.stage,
      job_id: s.stuck.jobId,
      idle_seconds: seconds(s.stuck.idleMs),
      threshold_seconds: seconds(s.stuck.thresholdMs),
    },
    live_jobs: s.liveJobs,
    resumes: s.resumes,
  };
}

export function stagePainter(c: ChalkInstance): Record<StageState | RecordState, (text: string) => string> {
  return {
    done: c.green,
    failed: c.red,
    stuck: c.red.bold,
    in_progress: c.yellow,
    running: c.yellow,
    pending: c.dim,
    waiting: c.cyan,
    skipped: c.dim,
    canceled: c.magenta,
    unknown: c.yellow,
  };
}

interface Cell {
  text: string;
  paint?: (text: string) => string;
}

function lineageText(s: RecordSummary): string {
  if (s.lineage.attempt === 0 && s.lineage.rootPipelineId === s.pipelineId) return 'original';
  const parent = s.lineage.parentPipelineId === null ? '' : ` after ${s.lineage.parentPipelineId}`;
  return `#${s.lineage.attempt} of ${s.lineage.rootPipelineId}${parent}`;
}

function notesText(row: Extract<StatusRow, { kind: 'record' }>): string {
  const s = row.summary;
  const notes: string[] = [];
  if (s.stuck) {
    const who = s.stuck.job ?? `stage ${s.stuck.stage}`;
    const idle = Number.isFinite(s.stuck.idleMs) ? formatDuration(s.stuck.idleMs) : 'no time';
    notes.push(`stuck: ${who} silent ${idle} > ${formatDuration(s.stuck.thresholdMs)}`);
  }
  const triggered = s.resumes.filter((r) => r.state === 'triggered');
  if (s.resumes.length > 0) {
    const last = s.resumes[s.resumes.length - 1]!;
    const target = last.pipeline_id ? ` → ${last.pipeline_id}` : '';
    notes.push(`resumed ${triggered.length}× (last: ${last.state} from ${last.stage}${target})`);
  }
  if (row.format === 'legacy') notes.push('legacy record');
  return notes.join('; ');
}

export function renderTable(rows: StatusRow[], c: ChalkInstance): string[] {
  const paint = stagePainter(c);
  const header = ['PIPELINE', 'REF', 'AGE', 'UPDATED', 'LINEAGE', 'STATE', 'STAGES', 'NOTES'];
  const table: Cell[][] = rows.map((row) => {
    if (row.kind === 'broken') {
      return [{ text: String(row.pipelineId) }, { text: '-' }, { text: '-' }, { text: '-' }, { text: '-' },
        { text: 'broken', paint: c.red.bold }, { text: '-' }, { text: row.reason, paint: c.red }];
    }
    const s = row.summary;
    const stages = s.stages.map((st) => paint[st.state](`${st.name}:${st.state}`)).join(' ');
    return [
      { text: String(s.pipelineId) },
      { text: s.ref ?? '-' },
      { text: s.ageMs === null ? '?' : formatDuration(s.ageMs) },
      { text: s.idleMs === null ? '?' : `${formatDuration(s.idleMs)} ago` },
      { text: lineageText(s) },
      { text: s.state, paint: paint[s.state] },
      // Stage cells are painted piecewise; their width is that of the plain words.
      { text: s.stages.map((st) => `${st.name}:${st.state}`).join(' ') || '-', paint: () => stages || '-' },
      { text: notesText(row) },
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.text.length)));
  const line = (cells: Cell[]) =>
    cells
      .map((cell, i) => {
        const pad = ' '.repeat(Math.max(0, widths[i]! - cell.text.length));
        const text = cell.paint ? cell.paint(cell.text) : cell.text;
        return i === cells.length - 1 ? text : text + pad;
      })
      .join('  ')
      .trimEnd();
  return [c.bold(line(header.map((text) => ({ text })))), ...table.map(line)];
}

export function renderCounts(rows: StatusRow[]): string {
  const counts = new Map<string, number>();
  for (const row of rows) {
    const key = row.kind === 'broken' ? 'broken' : row.summary.state;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const parts = ['stuck', 'running', 'waiting', 'failed', 'canceled', 'done', 'broken']
    .filter((k) => counts.has(k))
    .map((k) => `${counts.get(k)} ${k}`);
  return `${rows.length} record${rows.length === 1 ? '' : 's'}${parts.length ? `: ${parts.join(', ')}` : ''}`;
}

/** The jobs of one record, for `healer status --pipeline ID`. */
export function renderJobs(record: ProgressRecord, c: ChalkInstance, now: number): string[] {
  const paint = stagePainter(c);
  const jobs = Object.entries(record.jobs);
  if (jobs.length === 0) return [c.dim('  (no jobs recorded: stages only)')];
  const rows = jobs.map(([name, job]) => {
    const updated = parseTimestamp(job.updated);
    return [name, job.stage, job.status, job.job_id == null ? '-' : String(job.job_id), job.runner ?? '-',
      Number.isNaN(updated) ? job.updated : `${formatDuration(now - updated)} ago`];
  });
  const header = ['JOB', 'STAGE', 'STATUS', 'JOB ID', 'RUNNER', 'UPDATED'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (cells: string[], colour = false) =>
    '  ' + cells.map((cell, i) => {
      const padded = i === cells.length - 1 ? cell : cell.padEnd(widths[i]!);
      return colour && i === 2 ? (paint[cell as StageState] ?? ((t: string) => t))(padded) : padded;
    }).join('  ').trimEnd();
  return [c.bold(fmt(header)), ...rows.map((r) => fmt(r, true))];
}

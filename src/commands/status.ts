/**
 * `healer status [--pipeline ID] [--json]`: the records of the state folder as the watchdog sees them — each
 * stage's state, the stuck job if any, lineage and resumes. Broken records are listed with their reason; one bad
 * file never stops the listing. Read-only: no lock is taken, nothing is written.
 */
import { checkPipelineId } from '../core/names.js';
import { summarizeRecord } from '../core/record-summary.js';
import { formatTimestamp } from '../core/time.js';
import { HealerError, describeError, usageError } from '../errors.js';
import { scanRecords, type ScannedRecord } from '../store/record-scan.js';
import { recordContext, type RecordCommandDeps, type RecordFlags } from './record-options.js';
import { renderCounts, renderJobs, renderTable, rowJson, type StatusRow } from './status-view.js';

export interface StatusOptions extends RecordFlags {
  pipeline?: string;
}

export type StatusDeps = RecordCommandDeps;

export async function runStatus(options: StatusOptions, deps: StatusDeps): Promise<number> {
  const { out } = deps;
  const { config, store } = await recordContext(options, deps.env, deps.cwd);
  const now = deps.now();
  const toRow = (scanned: ScannedRecord): StatusRow =>
    scanned.ok
      ? {
          kind: 'record',
          summary: summarizeRecord(scanned.loaded.record, now, config),
          format: scanned.loaded.format,
          project: scanned.loaded.record.project?.path ?? null,
        }
      : { kind: 'broken', pipelineId: scanned.pipelineId, path: scanned.path, reason: scanned.reason };

  if (options.pipeline !== undefined) {
    const id = checkPipelineId(options.pipeline);
    if (!id.ok) throw usageError(`--pipeline: ${id.reason}`);
    await store.checkStateDir();
    let loaded;
    try {
      loaded = await store.read(id.value);
    } catch (error) {
      const row: StatusRow = { kind: 'broken', pipelineId: id.value, path: store.pathFor(id.value), reason: describeError(error) };
      if (out.json) out.data({ now: formatTimestamp(now), state_dir: store.stateDir, records: [], broken: [rowJson(row)] });
      else out.line(`pipeline ${id.value}: broken record: ${row.reason}`);
      return 1;
    }
    if (loaded === null) {
      throw new HealerError('action', `no record of pipeline ${id.value} in ${store.stateDir}`, {
        hint: 'run `healer status` to list the records there',
      });
    }
    const row = toRow({ ok: true, pipelineId: id.value, loaded });
    if (out.json) {
      out.data({ now: formatTimestamp(now), state_dir: store.stateDir, records: [{ ...rowJson(row), jobs: loaded.record.jobs }], broken: [] });
      return 0;
    }
    for (const line of renderTable([row], out.color)) out.line(line);
    out.line();
    for (const line of renderJobs(loaded.record, out.color, now)) out.line(line);
    return 0;
  }

  await store.checkStateDir();
  const rows: StatusRow[] = [];
  let read = 0;
  for await (const scanned of scanRecords(store, config.readMode)) {
    rows.push(toRow(scanned));
    read += 1;
    if (read % 500 === 0) out.progress(`healer status: ${read} records read`);
  }
  out.progressDone();
  // Newest pipelines first: ids grow with time on a GitLab instance.
  const id = (r: StatusRow) => (r.kind === 'broken' ? r.pipelineId : r.summary.pipelineId);
  rows.sort((a, b) => id(b) - id(a));
  if (out.json) {
    out.data({
      now: formatTimestamp(now),
      state_dir: store.stateDir,
      records: rows.filter((r) => r.kind === 'record').map(rowJson),
      broken: rows.filter((r) => r.kind === 'broken').map(rowJson),
    });
    return 0;
  }
  if (rows.length === 0) {
    out.line(`no records in ${store.stateDir}`);
    return 0;
  }
  for (const line of renderTable(rows, out.color)) out.line(line);
  out.line(out.color.dim(renderCounts(rows)));
  return 0;
}

/**
 * Printing a scan report: `--json` one document; on a terminal a short table; otherwise (cron, CronJob logs) one
 * line per action or problem, each with its UTC timestamp, and nothing at all when nothing happened (cron mails
 * any output). All of it goes through Output, which redacts tokens.
 */
import type { Output } from '../output.js';
import type { ActionEntry, ScanReport } from './report.js';

export type Style = 'json' | 'table' | 'lines';

export function styleFor(out: Output): Style {
  if (out.json) return 'json';
  return out.stdout.isTTY === true ? 'table' : 'lines';
}

export function render(report: ScanReport, out: Output, style: Style = styleFor(out)): void {
  if (style === 'json') return out.data(report);
  if (style === 'table') return table(report, out);
  return lines(report, out);
}

function verb(action: ActionEntry, dryRun: boolean): string {
  if (action.action === 'adopt') return dryRun ? 'would record' : action.status === 'adopted' ? 'recorded' : 'FAILED to record';
  if (dryRun || action.status === 'planned') return 'would resume';
  if (action.status === 'triggered') return 'resumed';
  if (action.status === 'unknown') return 'UNSURE whether it resumed';
  return 'FAILED to resume';
}

export function describeAction(action: ActionEntry, dryRun: boolean): string {
  const where = `pipeline ${action.pipeline_id} (project ${action.project}${action.ref ? `, ref ${action.ref}` : ''})`;
  const target = action.new_pipeline ? ` as pipeline ${action.new_pipeline.id}` : '';
  const from = action.stage ? ` from stage ${action.stage}` : '';
  const cancel =
    action.cancel === 'canceled'
      ? ', canceled it first'
      : action.cancel === 'planned'
        ? ', canceling it first'
        : action.cancel === 'not_possible'
          ? ', could not cancel it (no API token)'
          : '';
  const recovered = action.recovered && action.action === 'resume' ? ' (found after an unclear answer, not created twice)' : '';
  const error = action.error ? `: ${action.error}` : '';
  const attempt = action.attempt ? ` (attempt ${action.attempt})` : '';
  return `${verb(action, dryRun)} ${where}${from}${target}${attempt}${cancel}${recovered} — ${action.reason}${error}`;
}

function lines(report: ScanReport, out: Output): void {
  const at = report.finished_at;
  for (const action of report.actions) {
    // An action's own time: a scan that waits for GitLab to finish canceling may act minutes before it ends.
    const when = action.at ?? at;
    out.line(`${when} healer: ${describeAction(action, report.dry_run)}`);
    for (const note of action.notes) out.line(`${when} healer:   note: ${note}`);
  }
  for (const skip of report.skipped) {
    if (skip.notify || out.verbose) out.line(`${at} healer: left pipeline ${skip.pipeline_id} alone (${skip.code}): ${skip.reason}`);
  }
  for (const error of report.errors) out.line(`${at} healer: error: ${error.message}`);
  if (out.verbose) out.line(`${at} healer: ${summary(report)}`);
}

export function summary(report: ScanReport): string {
  const c = report.counts;
  const done = report.dry_run ? 'planned' : 'acted on';
  const n = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
  return `scanned ${n(c.records, 'record')} in ${(report.duration_ms / 1000).toFixed(2)}s: ${n(c.candidates, 'candidate')}, ${c.actions} ${done}, ${c.skipped} left alone, ${n(c.errors, 'error')}${report.dry_run ? ' (dry run: nothing written)' : ''}`;
}

function table(report: ScanReport, out: Output): void {
  const c = out.color;
  out.line(c.bold(`healer scan: ${summary(report)}`));
  const rows: string[][] = [];
  for (const a of report.actions) {
    const result = a.status === 'triggered' || a.status === 'adopted' ? c.green(verb(a, report.dry_run)) : a.status === 'planned' ? c.cyan(verb(a, report.dry_run)) : c.red(verb(a, report.dry_run));
    const target = a.new_pipeline ? ` → ${a.new_pipeline.id}` : '';
    rows.push([String(a.pipeline_id), a.project, a.ref ?? '', a.stage ?? '', `${result}${target}`, a.error ? `${a.reason}: ${a.error}` : a.reason]);
  }
  for (const s of report.skipped) rows.push([String(s.pipeline_id), '', '', '', s.notify ? c.yellow(s.code) : c.dim(s.code), s.reason]);
  if (rows.length > 0) {
    const header = ['PIPELINE', 'PROJECT', 'REF', 'STAGE', 'RESULT', 'WHY'];
    const plain = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '');
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => plain(r[i]!).length)));
    const pad = (cells: string[]) => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell + ' '.repeat(widths[i]! - plain(cell).length))).join('  ');
    out.line(c.dim(pad(header)));
    for (const row of rows) out.line(pad(row));
  }
  for (const error of report.errors) out.line(`${c.red('error:')} ${error.message}`);
  const idle = Object.entries(report.counts.idle)
    .map(([code, n]) => `${n} ${code.replace(/_/g, ' ')}`)
    .join(', ');
  if (idle) out.line(c.dim(`nothing to do for: ${idle}`));
}

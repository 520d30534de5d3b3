/**
 * One scan of the state folder: stream the records, triage each from its bytes and then its JSON, ask GitLab about
 * the candidates only (bounded concurrency, one time limit for the whole scan), decide, act (or plan, with
 * --dry-run), and report. One unreadable record or failing API call never stops the others: each is reported.
 */
import { decide } from '../core/decide.js';
import { rootOf } from '../core/lineage.js';
import type { Policy } from '../core/policy.js';
import { recordTimes } from '../core/record-facts.js';
import { prefilterSpec } from '../core/prefilter.js';
import { parseRecordText } from '../core/record-parse.js';
import type { ProgressRecord } from '../core/record.js';
import { formatTimestamp } from '../core/time.js';
import { triage, type Candidate, type Skip } from '../core/triage.js';
import { describeError, errorLine } from '../errors.js';
import type { GitLabClient } from '../gitlab/client.js';
import type { FileStore } from '../store/file-store.js';
import { readRecordBatches, type ReadMode } from '../store/record-reader.js';
import { adopt, carryOut } from './act.js';
import { gatherFacts, RecentPipelines } from './gather.js';
import { Pool } from './pool.js';
import { actedAction, actionFailed, plannedAction, type ActionEntry, type ScanReport } from './report.js';

export interface ScanDeps {
  store: FileStore;
  policy: Policy;
  /** null when no token is configured (only possible with --dry-run): decisions from the records alone. */
  client: GitLabClient | null;
  dryRun: boolean;
  owner: string;
  now: () => number;
  deadline: number;
  concurrency: number;
  /** After a cancel, how long to wait for GitLab to report the pipeline canceled. */
  cancelWaitMs?: number;
  readMode: ReadMode;
  gitlabUrl: string;
  tokens: { api: boolean; trigger: boolean };
  /** Called now and then with the running counts (terminal progress). */
  progress?: (counts: ScanReport['counts']) => void;
  log?: (message: string) => void;
  redact?: (text: string) => string;
}

export async function runScan(deps: ScanDeps): Promise<ScanReport> {
  const started = deps.now();
  const report = emptyReport(deps, started);
  const { counts } = report;
  const idle = (code: string) => (counts.idle[code] = (counts.idle[code] ?? 0) + 1);
  const skipped = (pipelineId: number, skip: Skip) => {
    if (!skip.listed) return void idle(skip.code);
    report.skipped.push({ pipeline_id: pipelineId, code: skip.code, reason: skip.reason, notify: skip.notify });
  };
  const failed = (pipelineId: number | null, path: string | null, message: string) => report.errors.push({ pipeline_id: pipelineId, path, message });
  const pool = new Pool(deps.concurrency, (error) => failed(null, null, `internal error: ${describeError(error)}`));
  const recent = deps.client ? new RecentPipelines(deps.client) : null;

  const handle = async (record: ProgressRecord, candidate: Candidate, path: string): Promise<void> => {
    const id = record.pipeline.id;
    if (deps.now() >= deps.deadline) return void failed(id, path, 'not checked: the scan time limit (HEALER_SCAN_TIMEOUT) ran out');
    const rootStartedMs = await rootStart(deps.store, record);
    let facts = null;
    if (deps.policy.capabilities.api && deps.client && recent) {
      try {
        facts = await gatherFacts(deps.client, record, candidate, { recent, supersededCheck: deps.policy.supersededCheck });
      } catch (error) {
        return void failed(id, path, errorLine(error));
      }
    }
    const decision = decide({ record, candidate, facts, now: deps.now(), policy: deps.policy, rootStartedMs });
    if (decision.kind === 'skip') return void skipped(id, decision.code === 'canceled' ? await whoCanceled(deps, id, decision) : decision);
    const planned = plannedAction(decision);
    if (deps.dryRun || !deps.client) return void report.actions.push({ ...planned, at: formatTimestamp(deps.now()) });
    const via = deps.policy.capabilities.resumeVia ?? 'trigger';
    const outcome =
      decision.kind === 'adopt'
        ? await adopt(decision, deps)
        : await carryOut(decision, { store: deps.store, client: deps.client, policy: deps.policy, via, owner: deps.owner, now: deps.now, cancelWaitMs: deps.cancelWaitMs, deadline: deps.deadline, log: deps.log, redact: deps.redact });
    if (outcome.status === 'conflict') {
      return void report.skipped.push({ pipeline_id: id, code: 'resume_in_progress', reason: outcome.error ?? 'taken by another healer', notify: false });
    }
    report.actions.push({ ...actedAction(planned, outcome), at: formatTimestamp(deps.now()) });
  };

  let lastProgress = 0;
  try {
    for await (const batch of readRecordBatches(deps.store.stateDir, { mode: deps.readMode, prefilter: prefilterSpec(started, deps.policy) })) {
      for (const item of batch) {
        counts.records += 1;
        if (deps.progress && counts.records - lastProgress >= 500) {
          lastProgress = counts.records;
          counts.actions = report.actions.length;
          deps.progress(counts);
        }
        if (item.kind === 'idle') {
          idle('no_active_job');
          continue;
        }
        if (item.kind === 'error') {
          failed(item.pipelineId, item.path, `record ${item.path} ${item.message}`);
          continue;
        }
        counts.parsed += 1;
        const parsed = parseRecordText(item.text, item.pipelineId);
        if (!parsed.ok) {
          failed(item.pipelineId, item.path, `record ${item.path} ${parsed.reason}; left untouched`);
          continue;
        }
        const first = triage(parsed.record, deps.now(), deps.policy);
        if (first.kind === 'skip') {
          skipped(item.pipelineId, first);
          continue;
        }
        counts.candidates += 1;
        await pool.run(() => handle(parsed.record, first, item.path));
      }
    }
  } catch (error) {
    failed(null, deps.store.stateDir, `reading the state folder failed: ${describeError(error)}`);
  }
  await pool.drain();
  return finish(report, started, deps.now());
}

/**
 * GitLab says canceled, but the record was read before: another healer may have written its intent and canceled
 * the pipeline since. The record as it is now tells; then that, not "a person canceled it", is the reason.
 */
async function whoCanceled(deps: ScanDeps, id: number, decision: Skip): Promise<Skip> {
  try {
    const now = await deps.store.read(id);
    const again = now ? triage(now.record, deps.now(), deps.policy) : null;
    return again?.kind === 'skip' && (again.code === 'resume_in_progress' || again.code === 'already_resumed') ? again : decision;
  } catch {
    return decision;
  }
}

/** The earliest timestamp of the lineage's root record, when the root is another record (null if it is gone). */
async function rootStart(store: FileStore, record: ProgressRecord): Promise<number | null> {
  const root = rootOf(record);
  if (root === record.pipeline.id) return null;
  try {
    const loaded = await store.read(root);
    return loaded ? recordTimes(loaded.record).firstMs : null;
  } catch {
    return null; // a damaged root record is reported when the scan reaches it
  }
}

function emptyReport(deps: ScanDeps, started: number): ScanReport {
  return {
    ok: true,
    dry_run: deps.dryRun,
    started_at: formatTimestamp(started),
    finished_at: formatTimestamp(started),
    duration_ms: 0,
    state_dir: deps.store.stateDir,
    gitlab_url: deps.gitlabUrl,
    tokens: deps.tokens,
    resume_via: deps.policy.capabilities.resumeVia,
    counts: { records: 0, parsed: 0, candidates: 0, actions: 0, skipped: 0, errors: 0, idle: {} },
    actions: [],
    skipped: [],
    errors: [],
  };
}

function finish(report: ScanReport, started: number, now: number): ScanReport {
  const byId = (a: { pipeline_id: number | null }, b: { pipeline_id: number | null }) => (a.pipeline_id ?? 0) - (b.pipeline_id ?? 0);
  report.actions.sort(byId);
  report.skipped.sort(byId);
  report.errors.sort(byId);
  report.counts.actions = report.actions.length;
  report.counts.skipped = report.skipped.length;
  report.counts.errors = report.errors.length;
  report.finished_at = formatTimestamp(now);
  report.duration_ms = Math.max(0, now - started);
  report.ok = report.errors.length === 0 && !report.actions.some((a: ActionEntry) => actionFailed(a));
  return report;
}

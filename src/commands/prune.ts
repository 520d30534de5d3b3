/**
 * `healer prune --older-than 7d [--dry-run] [--json]`: delete the records, lineage by lineage, that are finished and
 * older than the given age (core/prune-plan.ts says which and why). Before deleting a lineage, every member's lock is
 * taken without waiting — a held lock keeps the lineage — and every member is judged again under its lock, so a
 * record that changed since the scan is kept.
 */
import { DEFAULT_ABANDONED_AFTER_MS, judgeCandidate, planPrune, type LineagePlan, type PruneCandidate, type PrunePolicy } from '../core/prune-plan.js';
import type { Thresholds } from '../core/policy.js';
import { summarizeRecord } from '../core/record-summary.js';
import { formatDuration, formatTimestamp } from '../core/time.js';
import { HealerError, describeError } from '../errors.js';
import type { FileStore } from '../store/file-store.js';
import { deleteTrash, isRecordLocked, leftoverTrash, moveToTrash, tryLockRecord, type RemovalLock } from '../store/record-removal.js';
import { scanRecords, type ScannedRecord } from '../store/record-scan.js';
import { durationFlag } from './duration-flag.js';
import { recordContext, type RecordCommandDeps, type RecordFlags } from './record-options.js';

export interface PruneOptions extends RecordFlags {
  olderThan?: string;
  abandonedAfter?: string;
  removeBroken?: boolean;
  dryRun?: boolean;
}

export type PruneDeps = RecordCommandDeps;

type Outcome = { rootId: number; members: number[]; reason: string };

function candidateOf(scanned: ScannedRecord, now: number, thresholds: Thresholds): PruneCandidate {
  if (!scanned.ok) return { kind: 'broken', pipelineId: scanned.pipelineId, reason: scanned.reason, mtimeMs: scanned.mtimeMs };
  const s = summarizeRecord(scanned.loaded.record, now, thresholds);
  return { kind: 'record', pipelineId: s.pipelineId, rootId: s.lineage.rootPipelineId, lastMs: s.lastMs, live: s.live, finished: s.finished, state: s.state };
}

async function readCandidate(store: FileStore, pipelineId: number, now: number, thresholds: Thresholds): Promise<PruneCandidate> {
  try {
    const loaded = await store.read(pipelineId);
    if (loaded === null) return { kind: 'broken', pipelineId, reason: 'the folder holds no record file', mtimeMs: null };
    return candidateOf({ ok: true, pipelineId, loaded }, now, thresholds);
  } catch (error) {
    return { kind: 'broken', pipelineId, reason: describeError(error), mtimeMs: null };
  }
}

/** Lock every member, judge each again under its lock, then move them all aside and delete them. */
async function removeLineage(
  store: FileStore,
  lineage: LineagePlan,
  policy: PrunePolicy,
  thresholds: Thresholds,
  now: number,
): Promise<{ removed: true } | { removed: false; reason: string }> {
  const held: Array<{ pipelineId: number; lock: RemovalLock }> = [];
  const trash: string[] = [];
  try {
    for (const member of lineage.members) {
      const lock = await tryLockRecord(store, member.pipelineId);
      if (lock === 'held') return { removed: false, reason: `the record of pipeline ${member.pipelineId} is locked by another process` };
      if (lock === 'gone') continue; // removed meanwhile by another prune
      held.push({ pipelineId: member.pipelineId, lock });
      const again = await readCandidate(store, member.pipelineId, now, thresholds);
      // A broken record read again keeps its first judgement (its file time was read by the scan).
      const verdict = again.kind === 'broken' ? member : judgeCandidate(again, policy, now);
      if (!verdict.eligible) return { removed: false, reason: `pipeline ${member.pipelineId} changed since the scan: ${verdict.reason}` };
    }
    for (const { pipelineId, lock } of held) {
      trash.push(await moveToTrash(store, pipelineId));
      lock.disown();
    }
  } finally {
    for (const { lock } of held) await lock.release();
  }
  for (const path of trash) await deleteTrash(path);
  return { removed: true };
}

export async function runPrune(options: PruneOptions, deps: PruneDeps): Promise<number> {
  const { out } = deps;
  if (options.olderThan === undefined) throw new Error('--older-than is required'); // commander enforces it
  const policy: PrunePolicy = {
    olderThanMs: durationFlag(options.olderThan, '--older-than'),
    abandonedAfterMs: options.abandonedAfter === undefined ? DEFAULT_ABANDONED_AFTER_MS : durationFlag(options.abandonedAfter, '--abandoned-after'),
    removeBroken: options.removeBroken === true,
  };
  const { config, store } = await recordContext(options, deps.env, deps.cwd);
  await store.checkStateDir();
  const now = deps.now();

  // What earlier prunes left half done (listed before this one makes trash of its own).
  const leftover = await leftoverTrash(store.stateDir);
  const candidates: PruneCandidate[] = [];
  for await (const scanned of scanRecords(store, config.readMode)) candidates.push(candidateOf(scanned, now, config));
  const plan = planPrune(candidates, policy, now);

  const removed: Outcome[] = [];
  const kept: Array<{ pipelineId: number; rootId: number; reason: string }> = [...plan.keep];
  const failed: Array<{ rootId: number | null; error: string }> = [];
  for (const lineage of plan.remove) {
    const members = lineage.members.map((m) => m.pipelineId);
    const reason = lineage.members.map((m) => m.reason).find((r) => r.startsWith('abandoned')) ?? lineage.members[lineage.members.length - 1]!.reason;
    if (options.dryRun) {
      const locked = [];
      for (const id of members) if (await isRecordLocked(store, id)) locked.push(id);
      if (locked.length === 0) removed.push({ rootId: lineage.rootId, members, reason });
      else for (const id of members) kept.push({ pipelineId: id, rootId: lineage.rootId, reason: `the record of pipeline ${locked[0]} is locked by another process` });
      continue;
    }
    try {
      const result = await removeLineage(store, lineage, policy, config, now);
      if (result.removed) removed.push({ rootId: lineage.rootId, members, reason });
      else for (const id of members) kept.push({ pipelineId: id, rootId: lineage.rootId, reason: result.reason });
    } catch (error) {
      failed.push({ rootId: lineage.rootId, error: describeError(error) });
    }
  }
  const broken = candidates.filter((c) => c.kind === 'broken');
  const swept: string[] = [];
  for (const trash of leftover) {
    if (options.dryRun) swept.push(trash);
    else {
      try {
        await deleteTrash(trash);
        swept.push(trash);
      } catch (error) {
        failed.push({ rootId: null, error: `cannot delete the leftover ${trash}: ${describeError(error)}` });
      }
    }
  }

  if (out.json) {
    out.data({
      now: formatTimestamp(now),
      state_dir: store.stateDir,
      dry_run: options.dryRun === true,
      older_than_seconds: Math.round(policy.olderThanMs / 1000),
      removed: removed.map((r) => ({ root_pipeline_id: r.rootId, pipelines: r.members, reason: r.reason })),
      kept: kept.sort((a, b) => a.pipelineId - b.pipelineId).map((k) => ({ pipeline_id: k.pipelineId, root_pipeline_id: k.rootId, reason: k.reason })),
      broken: broken.map((b) => ({ pipeline_id: b.pipelineId, reason: b.reason })),
      errors: failed.map((f) => ({ root_pipeline_id: f.rootId, error: f.error })),
      leftover_trash: swept,
    });
  } else {
    const verb = options.dryRun ? 'would remove' : 'removed';
    for (const r of removed) {
      const who = r.members.length === 1 ? `pipeline ${r.members[0]}` : `lineage ${r.rootId} (pipelines ${r.members.join(', ')})`;
      out.line(`${verb} ${who}: ${r.reason}`);
    }
    const gone = new Set(removed.flatMap((r) => r.members));
    for (const b of broken.filter((x) => !gone.has(x.pipelineId))) out.line(out.color.yellow(`broken record ${b.pipelineId}: ${b.reason}`) + (policy.removeBroken ? ' (kept)' : ' (kept; --remove-broken deletes it)'));
    for (const k of kept) {
      if (k.reason.includes('locked') || k.reason.includes('changed since')) out.line(`kept pipeline ${k.pipelineId}: ${k.reason}`);
      else out.debug(`kept pipeline ${k.pipelineId}: ${k.reason}`);
    }
    for (const f of failed) out.error(new HealerError('state', f.rootId === null ? f.error : `could not remove lineage ${f.rootId}: ${f.error}`));
    for (const trash of swept) out.line(`${options.dryRun ? 'would delete' : 'deleted'} ${trash}, left by an interrupted prune`);
    const count = removed.reduce((n, r) => n + r.members.length, 0);
    out.line(
      `${options.dryRun ? 'dry run: would remove' : 'removed'} ${count} record${count === 1 ? '' : 's'} older than ${formatDuration(policy.olderThanMs)}; ` +
        `kept ${kept.length}${broken.length ? ` (${broken.length} broken)` : ''}`,
    );
  }
  return failed.length > 0 ? 1 : 0;
}

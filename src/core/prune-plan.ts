/**
 * Which records `healer prune` may delete. Pure: the facts of every record and `now` come in; the plan goes out,
 * each record with its reason, so --dry-run and --json show exactly what a real run does.
 *
 * Lineages are removed whole or not at all: a later resume of a lineage takes artifacts from the latest
 * successful run of each job anywhere in it, so deleting some members would silently lose inputs.
 * A lineage goes only when every member is settled and older than the limit:
 *  - finished (nothing in_progress) and its last update older than `olderThanMs`; or
 *  - abandoned (in_progress, but silent beyond its stuck threshold: the runner is gone) and silent for longer than
 *    both `olderThanMs` and `abandonedAfterMs`, so a long job that records no heartbeat is never cut short.
 * A live member (something in_progress reported within its threshold) keeps the whole lineage. So does a record
 * without any timestamp (its age is unknown). Broken records are kept unless `removeBroken` is set; they are judged
 * by their file's modification time, the only time they still have, and each is its own lineage.
 * Locks are checked by the caller when it deletes: a held lock keeps the lineage too.
 */
import { formatDuration } from './time.js';

export interface PrunePolicy {
  olderThanMs: number;
  abandonedAfterMs: number;
  removeBroken: boolean;
}

export const DEFAULT_ABANDONED_AFTER_MS = 24 * 3_600_000;

export type PruneCandidate =
  | {
      kind: 'record';
      pipelineId: number;
      rootId: number;
      lastMs: number | null;
      live: boolean;
      finished: boolean;
      /** The record's state word (done, failed, stuck, …), for messages. */
      state: string;
    }
  | { kind: 'broken'; pipelineId: number; reason: string; mtimeMs: number | null };

export interface RecordVerdict {
  pipelineId: number;
  eligible: boolean;
  /** Why it may go, or why it stays. */
  reason: string;
}

export interface LineagePlan {
  rootId: number;
  members: RecordVerdict[];
}

export interface PrunePlan {
  remove: LineagePlan[];
  keep: Array<RecordVerdict & { rootId: number }>;
}

const ago = (ms: number) => `${formatDuration(ms)} ago`;

export function judgeCandidate(c: PruneCandidate, policy: PrunePolicy, now: number): RecordVerdict {
  const limit = formatDuration(policy.olderThanMs);
  if (c.kind === 'broken') {
    if (!policy.removeBroken) return { pipelineId: c.pipelineId, eligible: false, reason: `broken record kept (${c.reason})` };
    if (c.mtimeMs === null) return { pipelineId: c.pipelineId, eligible: false, reason: 'broken record without a readable file time' };
    const idle = now - c.mtimeMs;
    return idle > policy.olderThanMs
      ? { pipelineId: c.pipelineId, eligible: true, reason: `broken record, file unchanged since ${ago(idle)} (${c.reason})` }
      : { pipelineId: c.pipelineId, eligible: false, reason: `broken record changed ${ago(idle)}, within ${limit}` };
  }
  if (c.live) return { pipelineId: c.pipelineId, eligible: false, reason: 'live: a job reported within its threshold' };
  if (c.lastMs === null) return { pipelineId: c.pipelineId, eligible: false, reason: 'no timestamp in the record; age unknown' };
  const idle = now - c.lastMs;
  if (idle <= policy.olderThanMs) return { pipelineId: c.pipelineId, eligible: false, reason: `last update ${ago(idle)}, within ${limit}` };
  if (c.finished) return { pipelineId: c.pipelineId, eligible: true, reason: `${c.state}, last update ${ago(idle)}` };
  if (idle <= policy.abandonedAfterMs) {
    return {
      pipelineId: c.pipelineId,
      eligible: false,
      reason: `still in_progress, silent for ${formatDuration(idle)}; abandoned records go after ${formatDuration(policy.abandonedAfterMs)}`,
    };
  }
  return { pipelineId: c.pipelineId, eligible: true, reason: `abandoned (in_progress, silent for ${formatDuration(idle)})` };
}

function rootOf(c: PruneCandidate): number {
  return c.kind === 'record' ? c.rootId : c.pipelineId;
}

export function planPrune(candidates: Iterable<PruneCandidate>, policy: PrunePolicy, now: number): PrunePlan {
  const lineages = new Map<number, RecordVerdict[]>();
  for (const c of candidates) {
    const root = rootOf(c);
    const verdicts = lineages.get(root) ?? [];
    verdicts.push(judgeCandidate(c, policy, now));
    lineages.set(root, verdicts);
  }
  const plan: PrunePlan = { remove: [], keep: [] };
  for (const [rootId, members] of [...lineages].sort((a, b) => a[0] - b[0])) {
    members.sort((a, b) => a.pipelineId - b.pipelineId);
    const blocker = members.find((m) => !m.eligible);
    if (blocker === undefined) {
      plan.remove.push({ rootId, members });
      continue;
    }
    for (const m of members) {
      const reason = m.eligible ? `kept with its lineage (root ${rootId}): pipeline ${blocker.pipelineId} ${blocker.reason}` : m.reason;
      plan.keep.push({ pipelineId: m.pipelineId, rootId, eligible: false, reason });
    }
  }
  return plan;
}

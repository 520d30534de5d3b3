/**
 * Options that `healer status` and `healer prune` share: the state folder and the thresholds that tell a stuck job
 * from a live one. Flags win over variables; the old watchdog's STUCK_THRESHOLD_MINUTES keeps its meaning.
 */
import type { StuckPolicy } from '../core/record-summary.js';
import { parseStageDurations } from '../core/units.js';
import { usageError } from '../errors.js';
import { DEFAULT_STATE_DIR, FileStore } from '../store/file-store.js';
import { durationFlag } from './duration-flag.js';

type Env = Record<string, string | undefined>;

export interface RecordFlags {
  stateDir?: string;
  stuckAfter?: string;
  stageThreshold?: string[];
}

export const DEFAULT_STUCK_AFTER_MS = 10 * 60_000;

/**
 * The store, judging locks as the writers do: a lock is stale only after HEALER_LOCK_STALE_MS (the writers refresh
 * theirs every half of it), so prune never takes over a lock that a writer with a longer setting still holds.
 */
export function storeFrom(flags: RecordFlags, env: Env): FileStore {
  const stale = env.HEALER_LOCK_STALE_MS;
  if (stale !== undefined && stale !== '' && !/^\d{1,9}$/.test(stale)) {
    throw usageError(`HEALER_LOCK_STALE_MS=${JSON.stringify(stale).slice(0, 40)} is not a number of milliseconds`);
  }
  return new FileStore(flags.stateDir ?? (env.HEALER_STATE_DIR || DEFAULT_STATE_DIR), stale ? { staleMs: Number(stale) } : {});
}

export function stuckPolicyFrom(flags: RecordFlags, env: Env): StuckPolicy {
  let stuckAfterMs = DEFAULT_STUCK_AFTER_MS;
  if (flags.stuckAfter !== undefined) {
    stuckAfterMs = durationFlag(flags.stuckAfter, '--stuck-after');
  } else if (env.STUCK_THRESHOLD_MINUTES !== undefined && env.STUCK_THRESHOLD_MINUTES !== '') {
    const raw = env.STUCK_THRESHOLD_MINUTES;
    if (!/^\d{1,6}(\.\d+)?$/.test(raw.trim()) || Number(raw) <= 0) {
      throw usageError(`STUCK_THRESHOLD_MINUTES=${JSON.stringify(raw).slice(0, 30)} is not a number of minutes`);
    }
    stuckAfterMs = Number(raw) * 60_000;
  }
  const perStage: Record<string, number> = Object.create(null) as Record<string, number>;
  const sources: Array<[string, string]> = [];
  if (env.HEALER_STAGE_THRESHOLDS) sources.push(['HEALER_STAGE_THRESHOLDS', env.HEALER_STAGE_THRESHOLDS]);
  for (const value of flags.stageThreshold ?? []) sources.push(['--stage-threshold', value]);
  for (const [source, value] of sources) {
    const parsed = parseStageDurations(value, source);
    if (!parsed.ok) throw usageError(parsed.reason);
    Object.assign(perStage, parsed.value);
  }
  return { stuckAfterMs, perStage };
}

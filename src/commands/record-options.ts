/**
 * What `healer status` and `healer prune` share: the state folder and the thresholds that tell a stuck job from a
 * live one, loaded by src/config.ts exactly as `healer scan` loads them (flags > environment > config file >
 * defaults; no token and no GitLab setting is read).
 */
import { loadRecordConfig, type RecordConfig, type RecordConfigFlags } from '../config.js';
import type { Output } from '../output.js';
import { FileStore } from '../store/file-store.js';
import { lockOptionsFromEnv } from '../store/lock.js';

type Env = Record<string, string | undefined>;

/** What `healer status` and `healer prune` are given by their wiring. */
export interface RecordCommandDeps {
  env: Env;
  out: Output;
  now: () => number;
  /** Where the default config file (healer.config.json) is looked for. */
  cwd: string;
}

export type RecordFlags = Pick<RecordConfigFlags, 'stateDir' | 'config' | 'stuckAfter' | 'stageThreshold'>;

export interface RecordContext {
  config: RecordConfig;
  /**
   * The store, judging locks as the writers do: a lock is stale only after HEALER_LOCK_STALE_MS (the writers
   * refresh theirs every half of it), so prune never takes over a lock that a writer with a longer setting holds.
   */
  store: FileStore;
}

export async function recordContext(flags: RecordFlags, env: Env, cwd: string): Promise<RecordContext> {
  const config = await loadRecordConfig(flags, env, { cwd });
  return { config, store: new FileStore(config.stateDir, lockOptionsFromEnv(env)) };
}

/**
 * Locking a record with proper-lockfile, chosen for NFS/EFS: the lock is a directory created with mkdir (atomic on
 * NFS), refreshed while held, and considered stale when its mtime is older than `staleMs` (a writer killed while
 * holding it does not block others for longer than that). We do our own retry loop so the total wait has a hard
 * bound: exponential backoff from 10 ms to 500 ms with jitter, until `timeoutMs`.
 *
 * Two forms of the same loop: `acquireLock` for long-running commands (scan, prune, run's heartbeats), where other
 * work must go on while waiting; `acquireLockSync` for `healer stage`, a one-shot process in every CI job, where
 * synchronous calls save the thread-pool round trips of a dozen file operations.
 */
import { mkdir, mkdirSync, realpath, realpathSync, rmdir, rmdirSync, stat, statSync, utimes, utimesSync } from 'node:fs';
import lockfile from 'proper-lockfile';
import { HealerError, usageError } from '../errors.js';

export interface LockOptions {
  /** A lock not refreshed for this long is taken over (proper-lockfile's minimum is 2000 ms). */
  staleMs: number;
  /** Give up after waiting this long in total. */
  timeoutMs: number;
}

export const DEFAULT_LOCK_OPTIONS: LockOptions = { staleMs: 15_000, timeoutMs: 30_000 };

/**
 * HEALER_LOCK_STALE_MS and HEALER_LOCK_TIMEOUT_MS, whole milliseconds (unset or empty: the defaults). Every command
 * that takes or judges locks reads them here, so a reader never calls stale a lock its writer still refreshes.
 */
export function lockOptionsFromEnv(env: Record<string, string | undefined>): Partial<LockOptions> {
  const options: Partial<LockOptions> = {};
  for (const [key, option] of [['HEALER_LOCK_STALE_MS', 'staleMs'], ['HEALER_LOCK_TIMEOUT_MS', 'timeoutMs']] as const) {
    const value = env[key];
    if (value === undefined || value === '') continue;
    if (!/^\d{1,9}$/.test(value)) throw usageError(`${key}=${JSON.stringify(value).slice(0, 40)} is not a number of milliseconds`);
    options[option] = Number(value);
  }
  return options;
}

export interface HeldLock {
  release(): Promise<void>;
  /** Set when proper-lockfile found the lock taken over or could not refresh it while we held it. */
  readonly compromised: Error | null;
}

export interface HeldLockSync {
  release(): void;
  readonly compromised: Error | null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** The waiting schedule shared by both forms: next pause in ms, or a lock error once the bound is reached. */
class Backoff {
  private readonly deadline: number;
  private delay = 10;

  constructor(
    private readonly file: string,
    private readonly options: LockOptions,
  ) {
    this.deadline = Date.now() + options.timeoutMs;
  }

  /** Called after ELOCKED: how long to wait before the next try; throws when the time is up. */
  next(error: unknown): number {
    if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
    const left = this.deadline - Date.now();
    if (left <= 0) {
      throw new HealerError('lock', `could not lock ${this.file} within ${Math.round(this.options.timeoutMs / 1000)}s`, {
        hint: `another process holds ${this.file}.lock; a lock older than ${Math.round(this.options.staleMs / 1000)}s is taken over`,
      });
    }
    // Equal jitter: half the delay fixed, half random, so waiting writers spread out without hammering NFS.
    const pause = Math.min(left, this.delay / 2 + Math.random() * (this.delay / 2));
    this.delay = Math.min(this.delay * 2, 500);
    return pause;
  }
}

/**
 * Only the calls proper-lockfile makes. Its sync adapter copies the whole `fs` it is given ({ ...fs }), and copying
 * node:fs touches its lazy ReadStream/WriteStream getters, which load the stream modules: milliseconds in every CI job.
 */
const LOCK_FS = { mkdir, mkdirSync, realpath, realpathSync, rmdir, rmdirSync, stat, statSync, utimes, utimesSync };

function lockfileOptions(options: LockOptions, onCompromised: (error: Error) => void) {
  return { realpath: false, stale: Math.max(2000, options.staleMs), retries: 0, onCompromised, fs: LOCK_FS };
}

export async function acquireLock(file: string, options: LockOptions): Promise<HeldLock> {
  const backoff = new Backoff(file, options);
  let compromised: Error | null = null;
  for (;;) {
    try {
      const release = await lockfile.lock(file, lockfileOptions(options, (error) => (compromised = error)));
      return {
        release: async () => {
          await release().catch(() => undefined);
        },
        get compromised() {
          return compromised;
        },
      };
    } catch (error) {
      await sleep(backoff.next(error));
    }
  }
}

export function acquireLockSync(file: string, options: LockOptions): HeldLockSync {
  const backoff = new Backoff(file, options);
  let compromised: Error | null = null;
  for (;;) {
    try {
      const release = lockfile.lockSync(file, lockfileOptions(options, (error) => (compromised = error)));
      return {
        release: () => {
          try {
            release();
          } catch {
            // Already released or taken over as stale: nothing of ours left to remove.
          }
        },
        get compromised() {
          return compromised;
        },
      };
    } catch (error) {
      sleepSync(backoff.next(error));
    }
  }
}

/**
 * Locking a record with proper-lockfile, chosen for NFS/EFS: the lock is a directory created with mkdir (atomic on
 * NFS), refreshed while held, and considered stale when its mtime is older than `staleMs` (a writer killed while
 * holding it does not block others for longer than that). We do our own retry loop so the total wait has a hard
 * bound: exponential backoff from 10 ms to 500 ms with jitter, until `timeoutMs`.
 */
import lockfile from 'proper-lockfile';
import { HealerError } from '../errors.js';

export interface LockOptions {
  /** A lock not refreshed for this long is taken over (proper-lockfile's minimum is 2000 ms). */
  staleMs: number;
  /** Give up after waiting this long in total. */
  timeoutMs: number;
}

export const DEFAULT_LOCK_OPTIONS: LockOptions = { staleMs: 15_000, timeoutMs: 30_000 };

export interface HeldLock {
  release(): Promise<void>;
  /** Set when proper-lockfile found the lock taken over or could not refresh it while we held it. */
  readonly compromised: Error | null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function acquireLock(file: string, options: LockOptions): Promise<HeldLock> {
  const deadline = Date.now() + options.timeoutMs;
  let delay = 10;
  let compromised: Error | null = null;
  for (;;) {
    try {
      const release = await lockfile.lock(file, {
        realpath: false,
        stale: Math.max(2000, options.staleMs),
        retries: 0,
        onCompromised: (error: Error) => {
          compromised = error;
        },
      });
      return {
        release: async () => {
          await release().catch(() => undefined);
        },
        get compromised() {
          return compromised;
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new HealerError('lock', `could not lock ${file} within ${Math.round(options.timeoutMs / 1000)}s`, {
          hint: `another process holds ${file}.lock; a lock older than ${Math.round(options.staleMs / 1000)}s is taken over`,
        });
      }
      // Equal jitter: half the delay fixed, half random, so waiting writers spread out without hammering NFS.
      await sleep(Math.min(left, delay / 2 + Math.random() * (delay / 2)));
      delay = Math.min(delay * 2, 500);
    }
  }
}

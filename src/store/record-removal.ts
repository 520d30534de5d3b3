/**
 * Removing a pipeline's folder without racing its writers: take the record's lock without waiting (a held lock
 * means a writer is at work: keep the record), re-read it under the lock, then rename the whole folder to a hidden
 * trash name in the state folder — one atomic step, after which no writer finds it — and delete the trash.
 * A writer that comes later simply starts a new record, with a new lock that prune must then never touch.
 */
import { randomBytes } from 'node:crypto';
import { readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { HealerError } from '../errors.js';
import type { FileStore } from './file-store.js';
import fs from 'node:fs';
import lockfile from 'proper-lockfile';

/** Trash folders start with a dot, so no reader of the state folder (store/record-reader.ts) takes them for records. */
export const TRASH_PREFIX = '.healer-prune-';

/** A record's lock held for removal. */
export interface RemovalLock {
  /**
   * The folder (with the lock inside it) has been moved away: from now on never remove anything at the lock's old
   * path, where a new writer may already have taken a new lock.
   */
  disown(): void;
  release(): Promise<void>;
}

/**
 * The record's lock, taken without waiting; 'held' when another process holds it (a stale lock is taken over, as
 * writers do); 'gone' when the folder no longer exists (another prune was quicker). proper-lockfile removes a lock by its path, on release and at process exit; the file-system functions
 * it is given turn that removal into a no-op once the lock is disowned.
 */
export async function tryLockRecord(store: FileStore, pipelineId: number): Promise<RemovalLock | 'held' | 'gone'> {
  let disowned = false;
  const guardedFs = {
    ...fs,
    rmdir: (path: string, callback: (error: NodeJS.ErrnoException | null) => void) => (disowned ? callback(null) : fs.rmdir(path, callback)),
    rmdirSync: (path: string) => (disowned ? undefined : fs.rmdirSync(path)),
  };
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(store.pathFor(pipelineId), {
      realpath: false,
      stale: Math.max(2000, store.lock.staleMs),
      retries: 0,
      fs: guardedFs,
      onCompromised: () => undefined, // after a move the refresh finds the lock gone: expected
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOCKED') return 'held';
    if (code === 'ENOENT') return 'gone';
    throw new HealerError('state', `cannot lock ${store.pathFor(pipelineId)}: ${(error as Error).message}`, { cause: error });
  }
  return {
    disown: () => {
      disowned = true;
    },
    release: async () => {
      await release().catch(() => undefined);
    },
  };
}

/** Whether another process holds the record's lock now (a stale lock does not count), without taking it. */
export async function isRecordLocked(store: FileStore, pipelineId: number): Promise<boolean> {
  try {
    return await lockfile.check(store.pathFor(pipelineId), { realpath: false, stale: Math.max(2000, store.lock.staleMs) });
  } catch {
    return false; // the folder is gone or unreadable: the real run will say so
  }
}

/** Rename the pipeline's folder out of the way; returns the trash path. */
export async function moveToTrash(store: FileStore, pipelineId: number): Promise<string> {
  const trash = join(store.stateDir, `${TRASH_PREFIX}${pipelineId}-${randomBytes(4).toString('hex')}`);
  try {
    await rename(store.folderFor(pipelineId), trash);
  } catch (error) {
    throw new HealerError('state', `cannot move ${store.folderFor(pipelineId)} aside: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
      cause: error,
      hint: 'check that the state folder is writable by this user',
    });
  }
  return trash;
}

export async function deleteTrash(trash: string): Promise<void> {
  await rm(trash, { recursive: true, force: true, maxRetries: 3 });
}

/**
 * Trash folders left in the state folder by a prune that stopped between moving a folder aside and deleting it
 * (killed, or the deletion failed). No writer can reach them (they were renamed away under the record's lock), so
 * the next prune deletes them; a prune that is deleting one at this moment does no harm (deleting is forced).
 */
export async function leftoverTrash(stateDir: string): Promise<string[]> {
  const names = await readdir(stateDir).catch(() => [] as string[]);
  return names.filter((name) => name.startsWith(TRASH_PREFIX)).sort().map((name) => join(stateDir, name));
}

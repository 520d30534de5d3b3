/**
 * Removing a pipeline's folder without racing its writers: take the record's lock without waiting (a held lock
 * means a writer is at work: keep the record), re-read it under the lock, then rename the whole folder to a hidden
 * trash name in the state folder — one atomic step, after which no writer finds it — and delete the trash.
 * A writer that comes later simply starts a new record.
 */
import { randomBytes } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { HealerError, isHealerError } from '../errors.js';
import type { FileStore } from './file-store.js';
import lockfile from 'proper-lockfile';
import { acquireLock, type HeldLock } from './lock.js';

/** Trash folders start with a dot, so pipelineIds() never lists them. */
export const TRASH_PREFIX = '.healer-prune-';

/** The record's lock, or null when another process holds it (a stale lock is taken over, as writers do). */
export async function tryLockRecord(store: FileStore, pipelineId: number): Promise<HeldLock | null> {
  try {
    return await acquireLock(store.pathFor(pipelineId), { staleMs: store.lock.staleMs, timeoutMs: 0 });
  } catch (error) {
    if (isHealerError(error) && error.kind === 'lock') return null;
    throw new HealerError('state', `cannot lock ${store.pathFor(pipelineId)}: ${(error as Error).message}`, { cause: error });
  }
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

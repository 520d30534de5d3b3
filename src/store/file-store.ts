/**
 * The record store on a local or shared (NFS/EFS) folder: <stateDir>/<pipeline id>/.ci-progress.json.
 * Writers lock the record, read it, apply a pure transition and replace it atomically. Readers need no lock.
 */
import { mkdirSync, readFileSync, statSync, type Stats, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { parseRecordText, validateRecord } from '../core/record-parse.js';
import type { ProgressRecord } from '../core/record.js';
import { describeError, HealerError } from '../errors.js';
import { writeFileAtomic, writeFileAtomicSync } from './atomic-write.js';
import { acquireLock, acquireLockSync, DEFAULT_LOCK_OPTIONS, type LockOptions } from './lock.js';
import { MAX_RECORD_BYTES, RECORD_FILE } from './record-file.js';

export { MAX_RECORD_BYTES, RECORD_FILE };
export const DEFAULT_STATE_DIR = '/mnt/ci-state/pipelines';

const STATE_ERRORS = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT', 'ENOENT', 'ENOTDIR', 'EIO', 'ESTALE']);

export interface LoadedRecord {
  record: ProgressRecord;
  format: 'v1' | 'legacy';
  path: string;
}

export interface UpdateResult {
  record: ProgressRecord;
  path: string;
  written: boolean;
  upgradedFrom: 'legacy' | null;
}

export class FileStore {
  readonly stateDir: string;
  readonly lock: LockOptions;

  constructor(stateDir: string, lock: Partial<LockOptions> = {}) {
    this.stateDir = stateDir;
    this.lock = { ...DEFAULT_LOCK_OPTIONS, ...lock };
  }

  folderFor(pipelineId: number): string {
    return join(this.stateDir, String(pipelineId));
  }

  pathFor(pipelineId: number): string {
    return join(this.folderFor(pipelineId), RECORD_FILE);
  }

  /** Read a record without locking (rename makes every read whole). null when there is none. */
  async read(pipelineId: number): Promise<LoadedRecord | null> {
    const path = this.pathFor(pipelineId);
    let bytes: Buffer;
    try {
      // One readFile, no stat first: each round trip to a shared mount counts.
      bytes = await fsp.readFile(path);
    } catch (error) {
      return missingOrThrow(path, error);
    }
    return decode(path, bytes, pipelineId);
  }

  readSync(pipelineId: number): LoadedRecord | null {
    const path = this.pathFor(pipelineId);
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (error) {
      return missingOrThrow(path, error);
    }
    return decode(path, bytes, pipelineId);
  }

  /**
   * Lock the record, read it, let `change` compute the next version and write it atomically.
   * `change` receives null when there is no record yet and returns the record to write, or null to write nothing.
   * A damaged record is never overwritten: the error names the file and how to fix it.
   *
   * The lock lives in the pipeline's folder. When there is no folder yet, `change(null)` says first whether anything
   * is to be written at all: a change that writes nothing (a heartbeat after the record was pruned, a settle whose
   * record is gone) leaves the state folder as it was, instead of leaving an empty pipeline folder behind. Otherwise
   * the folder is created, the lock taken, and `change` is called again on what is there under the lock.
   */
  async update(pipelineId: number, change: Change): Promise<UpdateResult> {
    const path = this.pathFor(pipelineId);
    const lock = (folderMayBeMissing: boolean) =>
      acquireLock(path, this.lock).catch((error: unknown) => {
        if (folderMayBeMissing && isNoFolder(error)) return null;
        throw lockError(path, error);
      });
    let held = await lock(true);
    if (held === null) {
      // Say precisely what is wrong with the state folder itself before anything else.
      await this.checkStateDir();
      if (change(null) === null) return nothingWritten(path);
      await fsp.mkdir(this.folderFor(pipelineId)).catch((error: unknown) => createFailed(this.folderFor(pipelineId), error));
      held = (await lock(false))!;
    }
    try {
      const loaded = await this.read(pipelineId);
      const step = nextStep(path, loaded, change);
      if (step.text !== null) {
        await writeFileAtomic(path, step.text).catch((error: unknown) => {
          throw stateError(`cannot write ${path}`, error);
        });
      }
      return settle(path, step, held.compromised);
    } finally {
      await held.release();
    }
  }

  /** `update` with synchronous calls, for the one-shot `healer stage` process (no other work waits on it). */
  updateSync(pipelineId: number, change: Change): UpdateResult {
    const path = this.pathFor(pipelineId);
    const lock = (folderMayBeMissing: boolean) => {
      try {
        return acquireLockSync(path, this.lock);
      } catch (error) {
        if (folderMayBeMissing && isNoFolder(error)) return null;
        throw lockError(path, error);
      }
    };
    let held = lock(true);
    if (held === null) {
      stateDirProblem(this.stateDir, () => statSync(this.stateDir));
      if (change(null) === null) return nothingWritten(path);
      try {
        mkdirSync(this.folderFor(pipelineId));
      } catch (error) {
        createFailed(this.folderFor(pipelineId), error);
      }
      held = lock(false)!;
    }
    try {
      const step = nextStep(path, this.readSync(pipelineId), change);
      if (step.text !== null) {
        try {
          writeFileAtomicSync(path, step.text);
        } catch (error) {
          throw stateError(`cannot write ${path}`, error);
        }
      }
      return settle(path, step, held.compromised);
    } finally {
      held.release();
    }
  }

  async checkStateDir(): Promise<void> {
    let info: Stats | undefined;
    try {
      info = await fsp.stat(this.stateDir);
    } catch (error) {
      stateDirProblem(this.stateDir, () => {
        throw error;
      });
    }
    stateDirProblem(this.stateDir, () => info as Stats);
  }
}

type Change = (current: ProgressRecord | null) => ProgressRecord | null;

/** Locking failed because the pipeline's folder (or a folder above it) does not exist. */
const isNoFolder = (error: unknown) => ['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '');

/** A pipeline folder that already exists is fine (another writer was quicker). */
function createFailed(folder: string, error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw stateError(`cannot create ${folder}`, error);
}

function nothingWritten(path: string): UpdateResult {
  return { record: null as unknown as ProgressRecord, path, written: false, upgradedFrom: null };
}

/** Throws the state error that says what is wrong with the state folder, if anything. */
function stateDirProblem(stateDir: string, statFolder: () => Stats): void {
  let info: Stats;
  try {
    info = statFolder();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const what = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? 'error'})`;
    throw new HealerError('state', `state folder ${stateDir} ${what}`, {
      hint: 'mount the shared volume there, or set HEALER_STATE_DIR / --state-dir',
    });
  }
  if (!info.isDirectory()) {
    throw new HealerError('state', `state folder ${stateDir} is not a folder`, {
      hint: 'set HEALER_STATE_DIR / --state-dir to the shared folder',
    });
  }
}

function missingOrThrow(path: string, error: unknown): null {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return null;
  if (code === 'EISDIR') throw badRecord(path, unreadableReason(error));
  throw error;
}

function decode(path: string, bytes: Buffer, pipelineId: number): LoadedRecord {
  if (bytes.length > MAX_RECORD_BYTES) throw badRecord(path, tooLargeReason(bytes.length));
  const decoded = decodeRecord(path, bytes.toString('utf8'), pipelineId);
  if (!decoded.ok) throw badRecord(path, decoded.reason);
  return decoded.loaded;
}

/** A record's text as a loaded record, or why it is not one (the words that follow "record <path>" in errors). */
export function decodeRecord(path: string, text: string, pipelineId: number): { ok: true; loaded: LoadedRecord } | { ok: false; reason: string } {
  const parsed = parseRecordText(text, pipelineId);
  return parsed.ok ? { ok: true, loaded: { record: parsed.record, format: parsed.format, path } } : parsed;
}

export const tooLargeReason = (bytes: number) => `is ${bytes} bytes, larger than any record healer writes`;

/**
 * Why a record file that could not be read is broken, as `read` reports it: a folder in its place is "not a regular
 * file"; anything else keeps the system's own words.
 */
export function unreadableReason(error: unknown): string {
  return (error as NodeJS.ErrnoException).code === 'EISDIR' ? 'is not a regular file' : describeError(error);
}

interface Step {
  record: ProgressRecord;
  /** The bytes to write, or null when nothing changes. */
  text: string | null;
  upgradedFrom: 'legacy' | null;
}

/** What an update writes: the change applied to what was read, checked against the schema. */
function nextStep(path: string, loaded: LoadedRecord | null, change: Change): Step {
  const next = change(loaded?.record ?? null);
  if (next === null || (next === loaded?.record && loaded.format === 'v1')) {
    return { record: loaded?.record ?? (next as ProgressRecord), text: null, upgradedFrom: null };
  }
  const valid = validateRecord(next);
  if (!valid.ok) throw new Error(`refusing to write an invalid record to ${path}: ${valid.reason}`);
  return { record: next, text: JSON.stringify(next, null, 2) + '\n', upgradedFrom: loaded?.format === 'legacy' ? 'legacy' : null };
}

function settle(path: string, step: Step, compromised: Error | null): UpdateResult {
  if (step.text !== null && compromised) {
    throw new HealerError('lock', `the lock on ${path} was lost while writing (${compromised.message})`, {
      hint: 'the write completed, but another writer may have taken the lock as stale; check clock skew between hosts',
    });
  }
  return { record: step.record, path, written: step.text !== null, upgradedFrom: step.upgradedFrom };
}

function lockError(path: string, error: unknown): HealerError {
  return error instanceof HealerError ? error : stateError(`cannot lock ${path}`, error);
}

export function badRecord(path: string, reason: string): HealerError {
  return new HealerError('usage', `record ${path} ${reason}`, {
    hint: `healer left it untouched; repair it, or move it aside (mv '${path}' '${path}.broken') and the next write starts a new record`,
  });
}

function stateError(what: string, error: unknown): HealerError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code && STATE_ERRORS.has(code)) {
    return new HealerError('state', `${what}: ${code}`, {
      hint: 'check that the state folder is mounted and writable by this job',
      cause: error,
    });
  }
  return new HealerError('state', `${what}: ${(error as Error).message}`, { cause: error });
}

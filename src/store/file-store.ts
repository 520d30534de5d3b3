/**
 * The record store on a local or shared (NFS/EFS) folder: <stateDir>/<pipeline id>/.ci-progress.json.
 * Writers lock the record, read it, apply a pure transition and replace it atomically. Readers need no lock.
 */
import { mkdir, opendir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseRecordText, validateRecord } from '../core/record-parse.js';
import type { ProgressRecord } from '../core/record.js';
import { HealerError } from '../errors.js';
import { writeFileAtomic } from './atomic-write.js';
import { acquireLock, DEFAULT_LOCK_OPTIONS, type LockOptions } from './lock.js';

export const RECORD_FILE = '.ci-progress.json';
export const DEFAULT_STATE_DIR = '/mnt/ci-state/pipelines';
/** A record larger than this is refused as damaged rather than parsed. */
const MAX_RECORD_BYTES = 16 * 1024 * 1024;

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
      // One readFile, no stat first: this runs in every CI job, and each round trip to a shared mount counts.
      bytes = await readFile(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return null;
      if (code === 'EISDIR') throw badRecord(path, 'is not a regular file');
      throw error;
    }
    if (bytes.length > MAX_RECORD_BYTES) throw badRecord(path, `is ${bytes.length} bytes, larger than any record healer writes`);
    const parsed = parseRecordText(bytes.toString('utf8'), pipelineId);
    if (!parsed.ok) throw badRecord(path, parsed.reason);
    return { record: parsed.record, format: parsed.format, path };
  }

  /**
   * Lock the record, read it, let `change` compute the next version and write it atomically.
   * `change` receives null when there is no record yet and returns the record to write, or null to write nothing.
   * A damaged record is never overwritten: the error names the file and how to fix it.
   */
  async update(
    pipelineId: number,
    change: (current: ProgressRecord | null) => ProgressRecord | null,
  ): Promise<UpdateResult> {
    const folder = this.folderFor(pipelineId);
    const path = this.pathFor(pipelineId);
    try {
      await mkdir(folder);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') {
        // Say precisely what is wrong with the state folder itself before blaming the pipeline folder.
        await this.checkStateDir();
        throw stateError(`cannot create ${folder}`, error);
      }
    }
    let held;
    try {
      held = await acquireLock(path, this.lock);
    } catch (error) {
      if (error instanceof HealerError) throw error;
      throw stateError(`cannot lock ${path}`, error);
    }
    try {
      const loaded = await this.read(pipelineId);
      const next = change(loaded?.record ?? null);
      if (next === null || (next === loaded?.record && loaded.format === 'v1')) {
        return { record: loaded?.record ?? (next as ProgressRecord), path, written: false, upgradedFrom: null };
      }
      const valid = validateRecord(next);
      if (!valid.ok) throw new Error(`refusing to write an invalid record to ${path}: ${valid.reason}`);
      try {
        await writeFileAtomic(path, JSON.stringify(next, null, 2) + '\n');
      } catch (error) {
        throw stateError(`cannot write ${path}`, error);
      }
      if (held.compromised) {
        throw new HealerError('lock', `the lock on ${path} was lost while writing (${held.compromised.message})`, {
          hint: 'the write completed, but another writer may have taken the lock as stale; check clock skew between hosts',
        });
      }
      return { record: next, path, written: true, upgradedFrom: loaded?.format === 'legacy' ? 'legacy' : null };
    } finally {
      await held.release();
    }
  }

  /** Pipeline ids of the records present, streamed from the folder (never all names in memory at once). */
  async *pipelineIds(): AsyncGenerator<number> {
    const dir = await opendir(this.stateDir, { bufferSize: 256 });
    for await (const entry of dir) {
      if (!entry.isDirectory() || !/^[1-9][0-9]{0,15}$/.test(entry.name)) continue;
      yield Number(entry.name);
    }
  }

  async checkStateDir(): Promise<void> {
    let info;
    try {
      info = await stat(this.stateDir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const what = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? 'error'})`;
      throw new HealerError('state', `state folder ${this.stateDir} ${what}`, {
        hint: 'mount the shared volume there, or set HEALER_STATE_DIR / --state-dir',
      });
    }
    if (!info.isDirectory()) {
      throw new HealerError('state', `state folder ${this.stateDir} is not a folder`, {
        hint: 'set HEALER_STATE_DIR / --state-dir to the shared folder',
      });
    }
  }
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

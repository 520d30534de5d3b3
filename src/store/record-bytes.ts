/**
 * Reading one record's bytes without a lock (writers rename whole files into place) and classifying them: no
 * record, unreadable, not worth parsing (the scan's pre-filter said so), or text to parse. Synchronous, into a
 * reused buffer: on a local disk several times faster than the thread pool for small files.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { MAX_RECORD_BYTES } from './record-file.js';

export type RecordRead =
  /** Nothing to parse: the pre-filter said so, or there is no record (`absent`: none in the folder, or not a folder). */
  | { kind: 'idle'; pipelineId: number; path: string; absent?: Absent }
  | { kind: 'text'; pipelineId: number; path: string; text: string }
  /** `cause`: the error as thrown (an errno error, or one marked `tooLarge`). */
  | { kind: 'error'; pipelineId: number; path: string; message: string; cause: unknown };

export type Absent = 'no_file' | 'not_a_folder';

export type Bytes = Buffer | Absent | { error: unknown };

/** Bytes per record in a batch's shared buffer: healer's records are 1–3 KB; a larger one gets its own. */
const SLOT = 16 * 1024;

/**
 * Read and classify a batch of record folders (names are pipeline ids). All files of the batch are read first,
 * each into its slot of `pool`, and then classified: measurably faster than alternating a system call and the
 * pre-filter per file.
 */
export function readBatchSync(names: readonly string[], pathOf: (name: string) => string, pool: Buffer, filter: ((bytes: Buffer) => boolean) | undefined): RecordRead[] {
  const count = Math.min(names.length, Math.floor(pool.length / SLOT));
  const paths: string[] = new Array(count);
  const bytes: Bytes[] = new Array(count);
  for (let i = 0; i < count; i += 1) {
    paths[i] = pathOf(names[i]!);
    try {
      bytes[i] = readWholeSync(paths[i]!, pool.subarray(i * SLOT, (i + 1) * SLOT));
    } catch (error) {
      bytes[i] = { error };
    }
  }
  const out: RecordRead[] = new Array(count);
  for (let i = 0; i < count; i += 1) out[i] = classify(Number(names[i]), paths[i]!, bytes[i]!, filter);
  return count === names.length ? out : out.concat(readBatchSync(names.slice(count), pathOf, pool, filter));
}

/** A buffer for batches of up to `batchSize` records. */
export const batchPool = (batchSize: number): Buffer => Buffer.allocUnsafe(Math.max(1, batchSize) * SLOT);

export function classify(pipelineId: number, path: string, bytes: Bytes, filter: ((bytes: Buffer) => boolean) | undefined): RecordRead {
  if (typeof bytes === 'string') return { kind: 'idle', pipelineId, path, absent: bytes }; // a folder without a record (yet)
  if (!Buffer.isBuffer(bytes)) {
    const code = (bytes.error as NodeJS.ErrnoException).code ?? (bytes.error as Error).message;
    return { kind: 'error', pipelineId, path, message: `cannot be read (${code})`, cause: bytes.error };
  }
  // A record cut short (or not JSON at all) is always parsed, so that it is reported rather than skipped.
  if (filter && looksWhole(bytes) && !filter(bytes)) return { kind: 'idle', pipelineId, path };
  return { kind: 'text', pipelineId, path, text: bytes.toString('utf8') };
}

export function tooLarge(): Error {
  return Object.assign(new Error('too large'), { code: `larger than ${MAX_RECORD_BYTES} bytes`, tooLarge: true });
}

export function absentOf(error: NodeJS.ErrnoException): Absent | null {
  return error.code === 'ENOENT' ? 'no_file' : error.code === 'ENOTDIR' ? 'not_a_folder' : null;
}

function looksWhole(bytes: Buffer): boolean {
  let start = 0;
  let end = bytes.length - 1;
  while (start <= end && bytes[start]! <= 0x20) start += 1;
  while (end >= start && bytes[end]! <= 0x20) end -= 1;
  return bytes[start] === 0x7b && bytes[end] === 0x7d; // { … }
}

/** The file's bytes (a view into `buffer` when small), or why there is no record file. */
function readWholeSync(path: string, buffer: Buffer): Buffer | Absent {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    const absent = absentOf(error as NodeJS.ErrnoException);
    if (absent !== null) return absent;
    throw error;
  }
  try {
    const n = readSync(fd, buffer, 0, buffer.length, 0);
    if (n < buffer.length) return buffer.subarray(0, n);
    const size = fstatSync(fd).size;
    if (size > MAX_RECORD_BYTES) throw tooLarge();
    const whole = Buffer.allocUnsafe(size);
    const m = readSync(fd, whole, 0, size, 0);
    return whole.subarray(0, m);
  } finally {
    closeSync(fd);
  }
}

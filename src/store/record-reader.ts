/**
 * Reading every record of a large state folder, fast and with bounded memory: the folder is streamed (opendir),
 * records are read without locks (writers rename whole files into place), and, for the scan, a cheap byte-level
 * pre-filter decides which records are worth parsing at all, so a finished pipeline costs one small read and no
 * JSON.parse. `healer status` and `healer prune` read through it too, without a pre-filter (store/record-scan.ts).
 *
 * Reads are synchronous in small batches on a local disk (several times faster than the thread pool for small
 * files), yielding to the event loop between batches so GitLab requests progress. When the folder turns out to be
 * slow (a network mount: over 2 ms per file), reading switches to asynchronous reads with bounded concurrency.
 */
import { close, closeSync, fstatSync, open, openSync, read, readSync } from 'node:fs';
import { opendir } from 'node:fs/promises';
import { sep } from 'node:path';
import { MAX_RECORD_BYTES, RECORD_FILE } from './file-store.js';

export type ReadMode = 'auto' | 'sync' | 'async';

export type RecordRead =
  /** Nothing to parse: the pre-filter said so, or there is no record (`absent`: none in the folder, or not a folder). */
  | { kind: 'idle'; pipelineId: number; path: string; absent?: Absent }
  | { kind: 'text'; pipelineId: number; path: string; text: string }
  /** `cause`: the error as thrown (an errno error, or one marked `tooLarge`). */
  | { kind: 'error'; pipelineId: number; path: string; message: string; cause: unknown };

export type Absent = 'no_file' | 'not_a_folder';

export interface ReaderOptions {
  mode?: ReadMode;
  /**
   * True when the record's bytes may hold something to act on; false counts it as idle without parsing.
   * Without it every record is parsed.
   */
  worthParsing?: (bytes: Buffer) => boolean;
  batchSize?: number;
  concurrency?: number;
}

const ID = /^[1-9][0-9]{0,15}$/;
const SLOW_FILE_MS = 2;

/** Every record of the folder, one at a time (status, prune, tests). */
export async function* readRecords(stateDir: string, options: ReaderOptions): AsyncGenerator<RecordRead> {
  for await (const batch of readRecordBatches(stateDir, options)) yield* batch;
}

/**
 * The same in batches of up to `batchSize` records: the scan takes them this way, since an await per record would
 * cost about as much as reading a small record.
 */
export async function* readRecordBatches(stateDir: string, options: ReaderOptions): AsyncGenerator<RecordRead[]> {
  const batchSize = options.batchSize ?? 64;
  let mode: ReadMode = options.mode ?? 'auto';
  const buffer = Buffer.allocUnsafe(64 * 1024);
  const prefix = stateDir.endsWith(sep) ? stateDir : stateDir + sep;
  const pathOf = (name: string) => `${prefix}${name}${sep}${RECORD_FILE}`;
  // Entries are taken from the directory stream synchronously (it reads them in chunks of 1024): a promise per
  // entry would cost more than reading the record itself.
  const dir = await opendir(stateDir, { bufferSize: 1024 });
  try {
    for (;;) {
      const names: string[] = [];
      let entry;
      while (names.length < batchSize && (entry = dir.readSync()) !== null) if (ID.test(entry.name)) names.push(entry.name);
      if (names.length === 0) break;
      if (mode === 'async') {
        yield await readAsync(names, pathOf, options);
        continue;
      }
      const started = performance.now();
      const batch = names.map((name) => settle(name, pathOf(name), buffer, options));
      if (mode === 'auto' && (performance.now() - started) / names.length > SLOW_FILE_MS) mode = 'async';
      yield batch;
      // Let answers from GitLab and timers run between batches.
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    await dir.close().catch(() => undefined);
  }
}

type Bytes = Buffer | Absent | { error: unknown };

function settle(name: string, path: string, buffer: Buffer, options: ReaderOptions): RecordRead {
  let bytes: Bytes;
  try {
    bytes = readWholeSync(path, buffer);
  } catch (error) {
    bytes = { error };
  }
  return classify(Number(name), path, bytes, options);
}

function classify(pipelineId: number, path: string, bytes: Bytes, options: ReaderOptions): RecordRead {
  if (typeof bytes === 'string') return { kind: 'idle', pipelineId, path, absent: bytes }; // a folder without a record (yet)
  if (!Buffer.isBuffer(bytes)) {
    const code = (bytes.error as NodeJS.ErrnoException).code ?? (bytes.error as Error).message;
    return { kind: 'error', pipelineId, path, message: `cannot be read (${code})`, cause: bytes.error };
  }
  // A record cut short (or not JSON at all) is always parsed, so that it is reported rather than skipped.
  if (options.worthParsing && looksWhole(bytes) && !options.worthParsing(bytes)) return { kind: 'idle', pipelineId, path };
  return { kind: 'text', pipelineId, path, text: bytes.toString('utf8') };
}

function tooLarge(): Error {
  return Object.assign(new Error('too large'), { code: `larger than ${MAX_RECORD_BYTES} bytes`, tooLarge: true });
}

function absentOf(error: NodeJS.ErrnoException): Absent | null {
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

/** The same for a slow (network) folder: up to `concurrency` files in flight on the thread pool. */
async function readAsync(names: string[], pathOf: (name: string) => string, options: ReaderOptions): Promise<RecordRead[]> {
  const results: RecordRead[] = new Array(names.length);
  let next = 0;
  const worker = async () => {
    while (next < names.length) {
      const index = next++;
      const name = names[index]!;
      const path = pathOf(name);
      let bytes: Bytes;
      try {
        bytes = await readWholeAsync(path);
      } catch (error) {
        bytes = { error };
      }
      results[index] = classify(Number(name), path, bytes, options);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 16, names.length) }, worker));
  return results;
}

function readWholeAsync(path: string): Promise<Buffer | Absent> {
  return new Promise((resolve, reject) => {
    open(path, 'r', (openError, fd) => {
      if (openError) {
        const absent = absentOf(openError);
        return absent !== null ? resolve(absent) : reject(openError);
      }
      const chunks: Buffer[] = [];
      let total = 0;
      const step = () => {
        const chunk = Buffer.allocUnsafe(64 * 1024);
        read(fd, chunk, 0, chunk.length, total, (readError, n) => {
          if (readError || n === 0 || total + n > MAX_RECORD_BYTES) {
            return close(fd, () => (readError ? reject(readError) : total + n > MAX_RECORD_BYTES ? reject(tooLarge()) : resolve(Buffer.concat(chunks, total))));
          }
          chunks.push(chunk.subarray(0, n));
          total += n;
          step();
        });
      };
      step();
    });
  });
}

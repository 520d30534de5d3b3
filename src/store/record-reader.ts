/**
 * Reading every record of a large state folder, fast and with bounded memory: the folder is streamed (opendir),
 * records are read without locks (writers rename whole files into place), and, for the scan, a cheap byte-level
 * pre-filter decides which records are worth parsing at all, so a finished pipeline costs one small read and no
 * JSON.parse. `healer status` and `healer prune` read through it too, without a pre-filter (store/record-scan.ts).
 *
 * Reads are synchronous in small batches on a local disk (several times faster than the thread pool for small
 * files), yielding to the event loop between batches so GitLab requests progress. When the folder turns out to be
 * slow (a network mount: over 2 ms per file), reading switches to asynchronous reads with bounded concurrency.
 *
 * A helper thread reading every other batch was tried and measured: on two cores it made a 10,000-record scan
 * slower, not faster (the thread's start-up and V8's own background threads take the second core).
 */
import { close, open, read } from 'node:fs';
import { opendir } from 'node:fs/promises';
import { sep } from 'node:path';
import { worthParsing, type PrefilterSpec } from '../core/prefilter.js';
import { absentOf, batchPool, classify, readBatchSync, tooLarge, type Absent, type Bytes, type RecordRead } from './record-bytes.js';
import { MAX_RECORD_BYTES, RECORD_FILE } from './record-file.js';

export type { Absent, RecordRead } from './record-bytes.js';

/** auto: sync, switching to async when the folder proves slow. */
export type ReadMode = 'auto' | 'sync' | 'async';

export interface ReaderOptions {
  mode?: ReadMode;
  /** The scan's pre-filter: records it rules out are idle, not parsed. Without it every record is parsed. */
  prefilter?: PrefilterSpec;
  batchSize?: number;
  /** Files in flight at once in async mode. */
  concurrency?: number;
}

const ID = /^[1-9][0-9]{0,15}$/;
const SLOW_FILE_MS = 2;

/** Every record of the folder, one at a time (status, prune, tests). */
export async function* readRecords(stateDir: string, options: ReaderOptions): AsyncGenerator<RecordRead> {
  for await (const batch of readRecordBatches(stateDir, options)) yield* batch;
}

/**
 * The same in batches (of up to `batchSize` records each, in no particular order): the scan takes them this way,
 * since an await per record would cost about as much as reading a small record.
 */
export async function* readRecordBatches(stateDir: string, options: ReaderOptions): AsyncGenerator<RecordRead[]> {
  const batchSize = options.batchSize ?? 64;
  let mode: ReadMode = options.mode ?? 'auto';
  const filter = options.prefilter ? worthParsing(options.prefilter) : undefined;
  const pool = batchPool(batchSize);
  const prefix = stateDir.endsWith(sep) ? stateDir : stateDir + sep;
  const suffix = `${sep}${RECORD_FILE}`;
  const pathOf = (name: string) => `${prefix}${name}${suffix}`;
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
        yield await readAsync(names, pathOf, filter, options.concurrency ?? 16);
        continue;
      }
      const started = performance.now();
      const batch = readBatchSync(names, pathOf, pool, filter);
      if (mode === 'auto' && (performance.now() - started) / names.length > SLOW_FILE_MS) mode = 'async';
      yield batch;
      // Let answers from GitLab and timers run between batches.
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    await dir.close().catch(() => undefined);
  }
}

/** The same for a slow (network) folder: up to `concurrency` files in flight on the thread pool. */
async function readAsync(names: string[], pathOf: (name: string) => string, filter: ((bytes: Buffer) => boolean) | undefined, concurrency: number): Promise<RecordRead[]> {
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
      results[index] = classify(Number(name), path, bytes, filter);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, names.length) }, worker));
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

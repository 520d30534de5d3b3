/**
 * Every record of the state folder, streamed: folder names are read as a stream and at most `concurrency` records
 * are being read at once, so memory stays flat however many pipelines the folder holds. Results come in completion
 * order. A record that cannot be read is yielded as broken with its reason; it never stops the scan.
 */
import { stat } from 'node:fs/promises';
import { describeError } from '../errors.js';
import type { FileStore, LoadedRecord } from './file-store.js';

export type ScannedRecord =
  | { ok: true; pipelineId: number; loaded: LoadedRecord }
  | { ok: false; pipelineId: number; path: string; reason: string; mtimeMs: number | null };

async function readOne(store: FileStore, pipelineId: number): Promise<ScannedRecord> {
  const path = store.pathFor(pipelineId);
  try {
    const loaded = await store.read(pipelineId);
    if (loaded !== null) return { ok: true, pipelineId, loaded };
    return { ok: false, pipelineId, path, reason: 'the folder holds no record file', mtimeMs: await mtimeOf(store.folderFor(pipelineId)) };
  } catch (error) {
    // The store's message starts with "record <path>"; the path is reported on its own.
    const reason = describeError(error).replace(`record ${path} `, '');
    return { ok: false, pipelineId, path, reason, mtimeMs: await mtimeOf(path) };
  }
}

async function mtimeOf(path: string): Promise<number | null> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return null;
  }
}

export async function* scanRecords(store: FileStore, concurrency = 16): AsyncGenerator<ScannedRecord> {
  const inFlight = new Map<number, Promise<{ key: number; result: ScannedRecord }>>();
  let key = 0;
  for await (const id of store.pipelineIds()) {
    const k = key++;
    inFlight.set(k, readOne(store, id).then((result) => ({ key: k, result })));
    if (inFlight.size >= concurrency) {
      const done = await Promise.race(inFlight.values());
      inFlight.delete(done.key);
      yield done.result;
    }
  }
  while (inFlight.size > 0) {
    const done = await Promise.race(inFlight.values());
    inFlight.delete(done.key);
    yield done.result;
  }
}

/**
 * Every record of the state folder, each parsed, for `healer status` and `healer prune`: the scan's streaming reader
 * (store/record-reader.ts: the folder streamed, small synchronous batches, parallel reads on a slow network mount)
 * without its pre-filter, since these commands show or judge every record. A record that cannot be used is yielded
 * as broken, with the reason `FileStore.read` would give and its file time; it never stops the listing.
 */
import { stat } from 'node:fs/promises';
import { decodeRecord, tooLargeReason, unreadableReason, type FileStore, type LoadedRecord } from './file-store.js';
import { readRecords, type ReadMode } from './record-reader.js';

export type ScannedRecord =
  | { ok: true; pipelineId: number; loaded: LoadedRecord }
  | { ok: false; pipelineId: number; path: string; reason: string; mtimeMs: number | null };

export async function* scanRecords(store: FileStore, mode: ReadMode = 'auto'): AsyncGenerator<ScannedRecord> {
  for await (const item of readRecords(store.stateDir, { mode })) {
    const pipelineId = item.pipelineId;
    const path = store.pathFor(pipelineId);
    if (item.kind === 'idle') {
      // A name like a pipeline id that is not a folder is not a record folder: not listed.
      if (item.absent === 'no_file') yield { ok: false, pipelineId, path, reason: 'the folder holds no record file', mtimeMs: await mtimeOf(store.folderFor(pipelineId)) };
      continue;
    }
    if (item.kind === 'error') {
      const info = await statOf(path);
      const reason = (item.cause as { tooLarge?: boolean }).tooLarge && info ? tooLargeReason(info.size) : unreadableReason(item.cause);
      yield { ok: false, pipelineId, path, reason, mtimeMs: info?.mtimeMs ?? null };
      continue;
    }
    const decoded = decodeRecord(path, item.text, pipelineId);
    if (decoded.ok) yield { ok: true, pipelineId, loaded: decoded.loaded };
    else yield { ok: false, pipelineId, path, reason: decoded.reason, mtimeMs: await mtimeOf(path) };
  }
}

async function statOf(path: string): Promise<{ size: number; mtimeMs: number } | null> {
  try {
    return await stat(path);
  } catch {
    return null;
  }
}

const mtimeOf = async (path: string) => (await statOf(path))?.mtimeMs ?? null;

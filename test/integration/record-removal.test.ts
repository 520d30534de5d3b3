/** Removing a record folder under its lock never removes a lock that a new writer took after the folder moved. */
import assert from 'node:assert/strict';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import lockfile from 'proper-lockfile';
import { FileStore } from '../../src/store/file-store.js';
import { deleteTrash, isRecordLocked, moveToTrash, tryLockRecord } from '../../src/store/record-removal.js';
import { tempDir } from '../helpers/cli.js';
import { v1Record, writeRecordFile } from '../helpers/records.js';

test('a held lock is reported and not taken; after a move the old path is never cleaned up', async () => {
  const { dir, cleanup } = await tempDir('healer-removal-');
  try {
    const store = new FileStore(dir);
    await writeRecordFile(dir, 7, v1Record({ id: 7 }));
    const writer = await lockfile.lock(store.pathFor(7), { realpath: false, stale: 15_000 });
    assert.equal(await isRecordLocked(store, 7), true);
    assert.equal(await tryLockRecord(store, 7), 'held', 'held by another writer');
    assert.equal(await tryLockRecord(store, 8), 'gone', 'no such folder');
    await writer();
    assert.equal(await isRecordLocked(store, 7), false);

    const mine = await tryLockRecord(store, 7);
    assert.ok(typeof mine === 'object');
    const trash = await moveToTrash(store, 7);
    mine.disown();
    // A job of pipeline 7 (another process) writes again at once: new folder, new lock at the very same path.
    await mkdir(store.folderFor(7));
    await mkdir(`${store.pathFor(7)}.lock`);
    await mine.release();
    assert.ok((await stat(`${store.pathFor(7)}.lock`)).isDirectory(), "the new writer's lock survives our release");
    assert.equal(await isRecordLocked(store, 7), true);
    await deleteTrash(trash);
    await assert.rejects(stat(trash));
    assert.ok((await stat(join(dir, '7'))).isDirectory());
  } finally {
    await cleanup();
  }
});

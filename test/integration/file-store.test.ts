/** FileStore.update and updateSync: a change that writes nothing leaves the state folder as it was; both forms alike. */
import assert from 'node:assert/strict';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { emptyRecord, type ProgressRecord } from '../../src/core/record.js';
import { HealerError } from '../../src/errors.js';
import { FileStore, type UpdateResult } from '../../src/store/file-store.js';
import { tempDir } from '../helpers/cli.js';

const NOW = '2026-12-04T10:00:00Z';
const create = (id: number) => (current: ProgressRecord | null) => current ?? emptyRecord({ pipelineId: id }, NOW);
const onlyIfThere = (current: ProgressRecord | null) => (current === null ? null : { ...current, updated: NOW });

describe('FileStore updates', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => {
    ({ dir, cleanup } = await tempDir('healer-store-'));
  });
  after(() => cleanup());

  const forms: Array<[string, (store: FileStore, id: number, change: (c: ProgressRecord | null) => ProgressRecord | null) => Promise<UpdateResult>]> = [
    ['update', (store, id, change) => store.update(id, change)],
    ['updateSync', async (store, id, change) => store.updateSync(id, change)],
  ];

  for (const [name, update] of forms) {
    it(`${name}: nothing to write for a missing record creates no pipeline folder`, async () => {
      const store = new FileStore(join(dir, name));
      await mkdir(store.stateDir);
      const nothing = await update(store, 41, onlyIfThere);
      assert.deepEqual([nothing.written, nothing.record], [false, null]);
      assert.deepEqual(await readdir(store.stateDir), []);

      const made = await update(store, 41, create(41));
      assert.equal(made.written, true);
      assert.deepEqual(await readdir(store.stateDir), ['41']);
      assert.deepEqual(await readdir(store.folderFor(41)), ['.ci-progress.json'], 'the lock is gone after the write');
      const again = await update(store, 41, onlyIfThere);
      assert.deepEqual([again.written, again.record.updated], [true, NOW]);
    });

    it(`${name}: a missing state folder is reported as such, whatever the change`, async () => {
      const store = new FileStore(join(dir, `${name}-absent`));
      for (const change of [onlyIfThere, create(42)]) {
        await assert.rejects(update(store, 42, change), (error: HealerError) => {
          assert.equal(error.kind, 'state');
          assert.match(error.message, /^state folder .*-absent does not exist$/);
          return true;
        });
      }
    });
  }
});

/** Streaming the state folder: every record once, in either read mode, bad ones reported, never parsed needlessly. */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FileStore } from '../../src/store/file-store.js';
import { readRecords, type ReadMode, type RecordRead } from '../../src/store/record-reader.js';
import { scanRecords, type ScannedRecord } from '../../src/store/record-scan.js';
import { tempDir } from '../helpers/cli.js';
import { finishedRecord, stuckRecord, writeRecord } from '../helpers/scan-records.js';

describe('record reader', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const now = Date.now();
  before(async () => {
    ({ dir, cleanup } = await tempDir('healer-reader-'));
    for (let id = 1; id <= 300; id += 1) await writeRecord(dir, id % 50 === 0 ? stuckRecord(id, now) : finishedRecord(id, now));
    const big = stuckRecord(301, now);
    big.padding = 'x'.repeat(200 * 1024);
    await writeRecord(dir, big);
    await writeRecord(dir, '{"version": 1, "jobs": {', 302); // cut short: parsed, so that it is reported
    await mkdir(join(dir, '303', '.ci-progress.json'), { recursive: true }); // unreadable: a folder
    await mkdir(join(dir, '304')); // no record yet
    await mkdir(join(dir, 'lost+found'));
    await writeFile(join(dir, '305'), 'a file, not a folder');
  });
  after(() => cleanup());

  const read = async (mode: ReadMode) => {
    const items: RecordRead[] = [];
    for await (const item of readRecords(dir, { mode, prefilter: { now, maxAgeMs: 60 * 60_000, api: false }, batchSize: 16 })) items.push(item);
    return items.sort((a, b) => a.pipelineId - b.pipelineId);
  };

  for (const mode of ['sync', 'async', 'auto'] as const) {
    it(`${mode}: each record once; only candidates as text; errors reported`, async () => {
      const items = await read(mode);
      assert.equal(items.length, 305);
      const text = items.filter((i) => i.kind === 'text').map((i) => i.pipelineId);
      assert.deepEqual(text, [50, 100, 150, 200, 250, 300, 301, 302]);
      const big = items.find((i) => i.pipelineId === 301);
      assert.equal(big?.kind === 'text' && JSON.parse(big.text).padding.length, 200 * 1024);
      const errors = items.filter((i) => i.kind === 'error');
      assert.deepEqual(errors.map((e) => [e.pipelineId, e.kind === 'error' && e.message]), [[303, 'cannot be read (EISDIR)']]);
      assert.equal(items.find((i) => i.pipelineId === 304)?.kind, 'idle');
      assert.deepEqual([304, 305].map((id) => { const i = items.find((x) => x.pipelineId === id); return i?.kind === 'idle' && i.absent; }), ['no_file', 'not_a_folder']);
    });
  }

  it('without a pre-filter every record is parsed; status and prune read through it and report broken records as before', async () => {
    const all: RecordRead[] = [];
    for await (const item of readRecords(dir, { mode: 'sync', batchSize: 16 })) all.push(item);
    assert.equal(all.filter((i) => i.kind === 'text').length, 302);
    const scanned = new Map<number, ScannedRecord>();
    for (const mode of ['sync', 'async'] as const) {
      scanned.clear();
      for await (const item of scanRecords(new FileStore(dir), mode)) scanned.set(item.pipelineId, item);
      assert.equal(scanned.size, 304, `${mode}: every folder named like a pipeline, but not the plain file 305`);
      assert.equal([...scanned.values()].filter((i) => i.ok).length, 301);
      const broken = (id: number) => {
        const item = scanned.get(id);
        return item && !item.ok ? [item.reason.replace(/\(.*\)$/, '(…)'), item.path === join(dir, String(id), '.ci-progress.json'), typeof item.mtimeMs] : null;
      };
      assert.deepEqual(broken(302), ['is not valid JSON (…)', true, 'number']);
      assert.deepEqual(broken(303), ['is not a regular file', true, 'number']);
      assert.deepEqual(broken(304), ['the folder holds no record file', true, 'number']);
    }
  });
});

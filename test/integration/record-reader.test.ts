/** Streaming the state folder: every record once, in either read mode, bad ones reported, never parsed needlessly. */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readRecords, type ReadMode, type RecordRead } from '../../src/store/record-reader.js';
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
    for await (const item of readRecords(dir, { mode, worthParsing: (b) => b.includes('"in_progress"'), batchSize: 16 })) items.push(item);
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
    });
  }
});

/**
 * A state folder with a bit of everything, for `healer status` and `healer prune` tests:
 *  100 ← 101   a finished lineage, last update 9 days ago (101 is the resume of 100)
 *  200 ← 201   200 finished 10 days ago, but its resume 201 is live (a job reported a minute ago)
 *  300         a legacy record, finished, 30 days old
 *  301         a legacy record whose test stage stayed in_progress 30 days ago (runner lost: abandoned)
 *  400         finished 10 days ago (the tests hold its lock)
 *  500         broken: not JSON (file time 30 days ago)
 *  501         broken: a folder without a record file
 *  600         finished 2 days ago
 *  700         stuck: unit in_progress, silent for 3 hours
 *  800         a v1 record with no timestamp at all
 */
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DAY, HOUR, MINUTE, legacyRecord, v1Record, writeRecordFile } from './records.js';

export async function buildMixedTree(state: string, now = Date.now()): Promise<void> {
  const done = (updatedAgo: number) => ({
    build: { stage: 'build', status: 'done' as const, id: 1, updatedAgo },
    unit: { stage: 'test', status: 'done' as const, id: 2, updatedAgo },
    ship: { stage: 'deploy', status: 'done' as const, id: 3, updatedAgo },
  });
  await writeRecordFile(state, 100, v1Record({
    id: 100, ref: 'main',
    jobs: { build: { stage: 'build', status: 'done', id: 11, updatedAgo: 10 * DAY }, unit: { stage: 'test', status: 'canceled', id: 12, updatedAgo: 10 * DAY } },
    resumes: [{ at: new Date(now - 10 * DAY).toISOString().replace(/\.\d+Z$/, 'Z'), stage: 'test', state: 'triggered', pipeline_id: 101, reason: 'stuck: unit' }],
  }, now));
  await writeRecordFile(state, 101, v1Record({
    id: 101, root: 100, parent: 100, attempt: 1, resumeStage: 'test',
    jobs: { unit: { stage: 'test', status: 'done', id: 21, updatedAgo: 9 * DAY }, ship: { stage: 'deploy', status: 'done', id: 22, updatedAgo: 9 * DAY } },
  }, now));
  await writeRecordFile(state, 200, v1Record({ id: 200, ref: 'release/2.0', jobs: done(10 * DAY) }, now));
  await writeRecordFile(state, 201, v1Record({
    id: 201, root: 200, parent: 200, attempt: 1, resumeStage: 'deploy',
    jobs: { ship: { stage: 'deploy', status: 'in_progress', id: 31, updatedAgo: MINUTE } },
  }, now));
  await writeRecordFile(state, 300, legacyRecord(300, { build: { status: 'done', updatedAgo: 30 * DAY }, test: { status: 'done', updatedAgo: 30 * DAY } }, now));
  await writeRecordFile(state, 301, legacyRecord(301, { build: { status: 'done', updatedAgo: 30 * DAY }, test: { status: 'in_progress', updatedAgo: 30 * DAY } }, now));
  await writeRecordFile(state, 400, v1Record({ id: 400, jobs: done(10 * DAY) }, now));
  const broken = await writeRecordFile(state, 500, '{"version": 1, "pipeline": ');
  const old = new Date(now - 30 * DAY);
  await utimes(broken, old, old);
  await mkdir(join(state, '501'));
  await utimes(join(state, '501'), old, old);
  await writeRecordFile(state, 600, v1Record({ id: 600, jobs: done(2 * DAY) }, now));
  await writeRecordFile(state, 700, v1Record({
    id: 700, ref: 'feature/x',
    jobs: { build: { stage: 'build', status: 'done', id: 71, updatedAgo: 4 * HOUR }, unit: { stage: 'test', status: 'in_progress', id: 72, updatedAgo: 3 * HOUR } },
  }, now));
  await writeRecordFile(state, 800, { version: 1, pipeline: { id: 800 }, jobs: {}, stages: {} });
  // Not records: healer's own temp and trash names, and stray files, are ignored.
  await writeFile(join(state, 'README'), 'not a pipeline\n');
  await mkdir(join(state, '.healer-prune-999-abcd'));
}

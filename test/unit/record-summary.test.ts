import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summarizeRecord } from '../../src/core/record-summary.js';
import { upgradeLegacy } from '../../src/core/record.js';
import { DAY, HOUR, MINUTE, legacyRecord, v1Record } from '../helpers/records.js';

const NOW = Date.parse('2026-12-04T12:00:00Z');
const policy = { stuckThresholdMs: 10 * MINUTE, stageThresholdsMs: { deploy: 30 * MINUTE } };

test('a job in_progress silent beyond its threshold is the stuck job; stage states follow', () => {
  const record = v1Record({
    id: 10,
    jobs: {
      build: { stage: 'build', status: 'done', id: 1, updatedAgo: 30 * MINUTE },
      unit: { stage: 'test', status: 'in_progress', id: 2, updatedAgo: 14 * MINUTE },
      lint: { stage: 'test', status: 'in_progress', id: 3, updatedAgo: 1 * MINUTE },
    },
  }, NOW);
  const s = summarizeRecord(record, NOW, policy);
  assert.equal(s.state, 'stuck');
  assert.deepEqual(s.stuck, { job: 'unit', stage: 'test', jobId: 2, idleMs: 14 * MINUTE, thresholdMs: 10 * MINUTE });
  assert.deepEqual(s.stages.map((st) => [st.name, st.state, st.jobs]), [['build', 'done', 1], ['test', 'stuck', 2], ['deploy', 'pending', 0]]);
  assert.equal(s.live, true, 'lint still reports');
  assert.equal(s.liveJobs, 1);
  assert.equal(s.finished, false);
  assert.equal(s.ageMs, 30 * MINUTE);
  assert.equal(s.idleMs, 1 * MINUTE);
});

test('per-stage thresholds: a 20-minute deploy is running, not stuck', () => {
  const record = v1Record({ id: 11, jobs: { ship: { stage: 'deploy', status: 'in_progress', id: 5, updatedAgo: 20 * MINUTE } } }, NOW);
  const s = summarizeRecord(record, NOW, policy);
  assert.equal(s.state, 'running');
  assert.equal(s.stuck, null);
  assert.equal(summarizeRecord(record, NOW, { stuckThresholdMs: 10 * MINUTE, stageThresholdsMs: {} }).state, 'stuck');
});

test('the earliest stage stuck is reported first', () => {
  const record = v1Record({
    id: 12,
    jobs: {
      late: { stage: 'deploy', status: 'in_progress', updatedAgo: 5 * HOUR },
      early: { stage: 'test', status: 'in_progress', updatedAgo: 1 * HOUR },
    },
  }, NOW);
  assert.equal(summarizeRecord(record, NOW, policy).stuck?.job, 'early');
});

test('finished states: done, failed, canceled, waiting between stages', () => {
  const done = v1Record({ id: 1, stages: ['build', 'test'], jobs: { a: { stage: 'build', status: 'done' }, b: { stage: 'test', status: 'done' } } }, NOW);
  assert.equal(summarizeRecord(done, NOW, policy).state, 'done');
  assert.equal(summarizeRecord(done, NOW, policy).finished, true);
  const failed = v1Record({ id: 2, jobs: { a: { stage: 'build', status: 'failed' } } }, NOW);
  assert.equal(summarizeRecord(failed, NOW, policy).state, 'failed');
  const canceled = v1Record({ id: 3, jobs: { a: { stage: 'build', status: 'canceled' } } }, NOW);
  assert.equal(summarizeRecord(canceled, NOW, policy).state, 'canceled');
  const between = v1Record({ id: 4, jobs: { a: { stage: 'build', status: 'done' } } }, NOW);
  const s = summarizeRecord(between, NOW, policy);
  assert.equal(s.state, 'waiting');
  assert.equal(s.finished, true);
  assert.equal(s.live, false);
});

test('legacy records: stages without jobs are judged by their own timestamps', () => {
  const legacy = upgradeLegacy(
    legacyRecord(41928, { build: { status: 'done', updatedAgo: 2 * DAY }, test: { status: 'in_progress', updatedAgo: 2 * DAY }, deploy: { status: 'pending', updatedAgo: null } }, NOW),
    41928,
  );
  const s = summarizeRecord(legacy, NOW, policy);
  assert.equal(s.state, 'stuck');
  assert.deepEqual(s.stuck && { job: s.stuck.job, stage: s.stuck.stage }, { job: null, stage: 'test' });
  assert.deepEqual(s.stages.map((st) => st.state), ['done', 'stuck', 'pending']);
  assert.equal(s.lastMs, NOW - 2 * DAY);
  assert.equal(s.lineage.rootPipelineId, 41928);
});

test('a record without any timestamp has no age; an in_progress entry without time is silent forever', () => {
  const legacy = upgradeLegacy({ pipeline_id: 5, stages: { build: { status: 'in_progress', updated: null } } }, 5);
  const s = summarizeRecord(legacy, NOW, policy);
  assert.equal(s.firstMs, null);
  assert.equal(s.ageMs, null);
  assert.equal(s.live, false);
  assert.equal(s.state, 'stuck');
});

test('lineage and resumes are carried; resume times count as activity', () => {
  const record = v1Record({
    id: 20, root: 10, parent: 15, attempt: 2, resumeStage: 'test',
    jobs: { a: { stage: 'test', status: 'failed', updatedAgo: 3 * HOUR } },
    resumes: [{ at: new Date(NOW - HOUR).toISOString().replace('.000Z', 'Z'), stage: 'test', state: 'triggered', pipeline_id: 21 }],
  }, NOW);
  const s = summarizeRecord(record, NOW, policy);
  assert.deepEqual(s.lineage, { rootPipelineId: 10, parentPipelineId: 15, attempt: 2, resumeStage: 'test' });
  assert.deepEqual(s.stages.map((st) => st.state), ['skipped', 'failed', 'pending'], 'build was skipped by the resume');
  assert.equal(s.resumes.length, 1);
  assert.equal(s.idleMs, HOUR);
});

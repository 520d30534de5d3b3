import assert from 'node:assert/strict';
import { test } from 'node:test';
import { upgradeLegacy } from '../../src/core/record.js';
import { needMatches, parseNeeds, planRestore, type LineageRecord, type RestoreInput } from '../../src/core/restore-plan.js';
import { legacyRecord, v1Record } from '../helpers/records.js';

const order = ['prep', 'build', 'test', 'deploy'];
// Original pipeline 100: prep and build done; test stuck. Resume 101 (from test) got stuck in test too, after a
// retried build-win there... (build-win appears in 101 only as a failed run, so 100's run is the latest success).
const p100 = v1Record({
  id: 100, stages: order, projectId: 42,
  jobs: {
    fetch: { stage: 'prep', status: 'done', id: 1 },
    'build-linux': { stage: 'build', status: 'done', id: 11 },
    'build-win': { stage: 'build', status: 'done', id: 12 },
    'shard 1/2': { stage: 'build', status: 'done', id: 13 },
    'shard 2/2': { stage: 'build', status: 'done', id: 14 },
    'manual-docs': { stage: 'build', status: 'skipped', id: 15 },
    unit: { stage: 'test', status: 'in_progress', id: 21 },
  },
});
const p101 = v1Record({
  id: 101, root: 100, parent: 100, attempt: 1, resumeStage: 'test', stages: order,
  jobs: { unit: { stage: 'test', status: 'failed', id: 31 }, 'build-win': { stage: 'build', status: 'failed', id: 32 } },
});
const lineage: LineageRecord[] = [
  { pipelineId: 101, record: p101, format: 'v1' },
  { pipelineId: 100, record: p100, format: 'v1' },
];
const base: RestoreInput = { resumeStage: 'test', jobStage: 'test', stageOrder: order, needs: null, lineage };

test('without needs: every job of the skipped stages, its latest successful run, in stage order', () => {
  const plan = planRestore(base);
  assert.equal(plan.action, 'restore');
  if (plan.action !== 'restore') return;
  assert.deepEqual(plan.stages, ['prep', 'build']);
  assert.deepEqual(plan.sources.map((s) => [s.job, s.jobId, s.pipelineId, s.projectId]), [
    ['fetch', 1, 100, 42],
    ['build-linux', 11, 100, 42],
    ['build-win', 12, 100, 42],
    ['shard 1/2', 13, 100, 42],
    ['shard 2/2', 14, 100, 42],
  ]);
  assert.deepEqual(plan.missing, [], 'a skipped (manual) job is not missing');
});

test('with needs: only the needed jobs; parallel instances match; later-stage and unknown needs are ignored', () => {
  const plan = planRestore({ ...base, jobStage: 'deploy', needs: ['build-linux', 'shard', 'unit', 'nowhere'] });
  assert.equal(plan.action, 'restore');
  if (plan.action !== 'restore') return;
  assert.deepEqual(plan.sources.map((s) => s.job), ['build-linux', 'shard 1/2', 'shard 2/2']);
  assert.deepEqual(plan.ignored.map((i) => i.job), ['unit', 'nowhere']);
  assert.match(plan.ignored[0]!.reason, /stage test runs in this pipeline/);
});

test('needs: [] means nothing; the first stage or an earlier job stage skips nothing', () => {
  const none = planRestore({ ...base, needs: [] });
  assert.ok(none.action === 'restore' && none.sources.length === 0);
  assert.deepEqual(planRestore({ ...base, resumeStage: 'prep' }), { action: 'none', reason: 'resumed at the first stage (prep): nothing was skipped' });
  const early = planRestore({ ...base, jobStage: 'prep' });
  assert.equal(early.action, 'none');
  const mid = planRestore({ ...base, jobStage: 'build' });
  assert.ok(mid.action === 'restore');
  if (mid.action === 'restore') assert.deepEqual(mid.stages, ['prep']);
});

test('an unknown job stage restores everything skipped; an unknown resume stage is invalid', () => {
  const plan = planRestore({ ...base, jobStage: 'lint-stage-from-include' });
  assert.ok(plan.action === 'restore' && plan.stages.join() === 'prep,build');
  const bad = planRestore({ ...base, resumeStage: 'tset' });
  assert.equal(bad.action, 'invalid');
  if (bad.action === 'invalid') assert.match(bad.reason, /"tset" is not one of the stages \(prep, build, test, deploy\)/);
});

test('a job with no successful run is missing, with what was last seen; legacy records are noted', () => {
  const failedOnly = v1Record({ id: 100, stages: order, jobs: { 'build-linux': { stage: 'build', status: 'failed', id: 11 } } });
  const legacy = upgradeLegacy(legacyRecord(99, { build: { status: 'done', updatedAgo: 0 } }), 99);
  const plan = planRestore({ ...base, lineage: [{ pipelineId: 100, record: failedOnly, format: 'v1' }, { pipelineId: 99, record: legacy, format: 'legacy' }] });
  assert.ok(plan.action === 'restore');
  if (plan.action !== 'restore') return;
  assert.deepEqual(plan.missing, [{ job: 'build-linux', reason: 'no successful run with a job id in the lineage (latest: failed in pipeline 100)' }]);
  assert.match(plan.notes[0]!, /pipeline 99 has a legacy record/);
});

test('HEALER_NEEDS parsing', () => {
  assert.deepEqual(parseNeeds(undefined), { ok: true, value: null });
  assert.deepEqual(parseNeeds(''), { ok: true, value: null });
  assert.deepEqual(parseNeeds('[]'), { ok: true, value: [] });
  assert.deepEqual(parseNeeds('["build-linux","lint","lint"]'), { ok: true, value: ['build-linux', 'lint'] });
  for (const bad of ['build-linux', '{"a":1}', '[1]', '[""]']) assert.equal(parseNeeds(bad).ok, false, bad);
  assert.equal(needMatches('build', 'build 2/3'), true);
  assert.equal(needMatches('build', 'build: [linux, amd64]'), true);
  assert.equal(needMatches('build', 'build-linux'), false);
  assert.equal(needMatches('build', 'builder 1/2'), false);
});

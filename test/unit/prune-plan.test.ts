import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planPrune, type PruneCandidate, type PrunePolicy } from '../../src/core/prune-plan.js';
import { DAY, HOUR, MINUTE } from '../helpers/records.js';

const NOW = Date.parse('2026-12-04T12:00:00Z');
const policy: PrunePolicy = { olderThanMs: 7 * DAY, abandonedAfterMs: DAY, removeBroken: false };
const rec = (pipelineId: number, rootId: number, lastAgo: number | null, extra: Partial<Extract<PruneCandidate, { kind: 'record' }>> = {}): PruneCandidate => ({
  kind: 'record', pipelineId, rootId, lastMs: lastAgo === null ? null : NOW - lastAgo, live: false, finished: true, state: 'done', ...extra,
});

test('finished and old lineages go whole; young ones stay with the reason', () => {
  const plan = planPrune([rec(1, 1, 9 * DAY), rec(2, 1, 8 * DAY), rec(3, 3, 2 * DAY)], policy, NOW);
  assert.deepEqual(plan.remove.map((l) => [l.rootId, l.members.map((m) => m.pipelineId)]), [[1, [1, 2]]]);
  assert.deepEqual(plan.keep.map((k) => k.pipelineId), [3]);
  assert.match(plan.keep[0]!.reason, /last update 2d ago, within 7d/);
});

test('one young or live member keeps its whole lineage, and the others say why', () => {
  const plan = planPrune([rec(1, 1, 30 * DAY), rec(2, 1, 20 * DAY), rec(3, 1, 5 * MINUTE, { live: true, finished: false, state: 'running' })], policy, NOW);
  assert.equal(plan.remove.length, 0);
  const reasons = Object.fromEntries(plan.keep.map((k) => [k.pipelineId, k.reason]));
  assert.match(reasons[1]!, /kept with its lineage \(root 1\): pipeline 3 live/);
  assert.match(reasons[3]!, /^live/);
});

test('abandoned records (in_progress, silent) go only after both limits', () => {
  const shortPolicy = { ...policy, olderThanMs: HOUR };
  const young = planPrune([rec(1, 1, 3 * HOUR, { finished: false, state: 'stuck' })], shortPolicy, NOW);
  assert.equal(young.remove.length, 0);
  assert.match(young.keep[0]!.reason, /still in_progress, silent for 3h; abandoned records go after 24h/);
  const old = planPrune([rec(1, 1, 3 * DAY, { finished: false, state: 'stuck' })], shortPolicy, NOW);
  assert.equal(old.remove.length, 1);
  assert.match(old.remove[0]!.members[0]!.reason, /abandoned/);
});

test('records without timestamps are kept; broken ones are kept unless asked, then judged by file time', () => {
  const broken: PruneCandidate = { kind: 'broken', pipelineId: 9, reason: 'is not valid JSON', mtimeMs: NOW - 30 * DAY };
  const plan = planPrune([rec(5, 5, null), broken], policy, NOW);
  assert.equal(plan.remove.length, 0);
  assert.match(plan.keep.find((k) => k.pipelineId === 5)!.reason, /age unknown/);
  assert.match(plan.keep.find((k) => k.pipelineId === 9)!.reason, /broken record kept \(is not valid JSON\)/);
  const removing = planPrune([broken, { ...broken, pipelineId: 10, mtimeMs: NOW - HOUR }], { ...policy, removeBroken: true }, NOW);
  assert.deepEqual(removing.remove.map((l) => l.rootId), [9]);
  assert.deepEqual(removing.keep.map((k) => k.pipelineId), [10]);
});

/** Writing a resume into the record: intent, outcome, adoption, and the re-check under the lock. Pure. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide, type ResumePlan } from '../../src/core/decide.js';
import { DEFAULT_POLICY, type Policy } from '../../src/core/policy.js';
import { validateRecord } from '../../src/core/record-parse.js';
import { addIntent, adoptIntent, recheck, settleIntent } from '../../src/core/resume-record.js';
import { triage, type Candidate } from '../../src/core/triage.js';
import { MINUTE, stuckRecord } from '../helpers/scan-records.js';

const NOW = Date.parse('2026-12-04T10:00:00Z');
const POLICY: Policy = { ...DEFAULT_POLICY, capabilities: { api: false, resumeVia: 'trigger' } };

function planFor(id = 100): ResumePlan {
  const record = stuckRecord(id, NOW);
  const plan = decide({ record, candidate: triage(record, NOW, POLICY) as Candidate, facts: null, now: NOW, policy: POLICY });
  assert.equal(plan.kind, 'resume');
  return plan as ResumePlan;
}

describe('resume entries in the record', () => {
  const info = { at: '2026-12-04T10:00:00Z', owner: 'host:1:aa', via: 'trigger' as const };

  it('an intent, then triggered: valid records, retry_count follows the attempt', () => {
    const plan = planFor();
    const withIntent = addIntent(stuckRecord(100, NOW), plan, info);
    assert.deepEqual(validateRecord(withIntent), { ok: true });
    assert.equal(withIntent.resumes!.at(-1)!.state, 'intent');
    assert.equal(withIntent.resumes!.at(-1)!.owner, 'host:1:aa');
    const done = settleIntent(withIntent, 'host:1:aa', { state: 'triggered', pipelineId: 1000, url: 'https://g/p/1000', recovered: false, canceled: null }, '2026-12-04T10:00:02Z');
    assert.deepEqual(validateRecord(done), { ok: true });
    assert.deepEqual({ ...done.resumes![0]!, reason: undefined }, {
      at: '2026-12-04T10:00:00Z',
      stage: 'test',
      reason: undefined,
      state: 'triggered',
      attempt: 1,
      pipeline_id: 1000,
      pipeline_url: 'https://g/p/1000',
      error: null,
      owner: 'host:1:aa',
      via: 'trigger',
      cause: 'stuck',
      ref: 'main',
      project: '42',
      settled_at: '2026-12-04T10:00:02Z',
      canceled: null,
    });
    assert.equal(done.retry_count, 1);
  });

  it('settling finds only our own intent', () => {
    const withIntent = addIntent(stuckRecord(100, NOW), planFor(), info);
    const other = settleIntent(withIntent, 'host:2:bb', { state: 'failed', error: 'x', canceled: null }, info.at);
    assert.equal(other, withIntent);
    const failed = settleIntent(withIntent, 'host:1:aa', { state: 'failed', error: 'refused', canceled: false }, info.at);
    assert.equal(failed.resumes![0]!.state, 'failed');
    assert.equal(failed.retry_count, 0, 'a failed resume does not count');
    assert.deepEqual(validateRecord(failed), { ok: true });
  });

  it('the re-check under the lock: another healer\'s fresh intent, a finished resume, a heartbeat that came back', () => {
    const plan = planFor();
    const taken = addIntent(stuckRecord(100, NOW), plan, { ...info, owner: 'other:9:cc', at: '2026-12-04T09:59:50Z' });
    assert.match(recheck(taken, plan, NOW, POLICY)!, /another healer \(other:9:cc\) is resuming it/);
    const done = settleIntent(taken, 'other:9:cc', { state: 'triggered', pipelineId: 5, url: null, recovered: false, canceled: null }, info.at);
    assert.match(recheck(done, plan, NOW, POLICY)!, /already resumed from test as pipeline 5/);
    assert.equal(recheck(done, plan, NOW, POLICY, true), null, '--force overrides a finished resume');
    const alive = stuckRecord(100, NOW, {}, 1 * MINUTE);
    assert.match(recheck(alive, plan, NOW, POLICY)!, /no longer a candidate: running/);
    assert.match(recheck(alive, plan, NOW, { ...POLICY, capabilities: { api: true, resumeVia: 'create' } })!, /heartbeat came back/);
    assert.equal(recheck(stuckRecord(100, NOW), plan, NOW, POLICY), null);
  });

  it('a stale intent is replaced in the same write, or adopted when its pipeline is found', () => {
    const stale = addIntent(stuckRecord(100, NOW), planFor(), { ...info, at: '2026-12-04T09:30:00Z', owner: 'dead:1:dd' });
    const candidate = triage(stale, NOW, POLICY) as Candidate;
    assert.equal(candidate.staleIntent?.owner, 'dead:1:dd');
    const replan = { ...planFor(), replacesIntent: candidate.staleIntent };
    assert.equal(recheck(stale, replan, NOW, POLICY), null);
    const replaced = addIntent(stale, replan, info);
    assert.deepEqual(replaced.resumes!.map((r) => r.state), ['failed', 'intent']);
    assert.match(replaced.resumes![0]!.error!, /abandoned/);
    const adopted = adoptIntent(stale, candidate.staleIntent!, 1234, 'https://g/p/1234', info.at);
    assert.deepEqual(adopted.resumes!.map((r) => [r.state, r.pipeline_id, r.recovered]), [['triggered', 1234, true]]);
    assert.deepEqual(validateRecord(adopted), { ok: true });
  });
});

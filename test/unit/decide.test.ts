/** The resume decision, rule by rule, without I/O: records + GitLab facts + now + policy → decision with reason. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide, decidedByStatus, type Decision, type ResumePlan } from '../../src/core/decide.js';
import type { Facts, JobFacts, PipelineFacts } from '../../src/core/facts.js';
import { DEFAULT_POLICY, type Policy } from '../../src/core/policy.js';
import type { ProgressRecord } from '../../src/core/record.js';
import { triage, type Skip } from '../../src/core/triage.js';
import { finishedRecord, makeRecord, MINUTE, stuckRecord } from '../helpers/scan-records.js';

const NOW = Date.parse('2026-12-04T10:00:00Z');
const API: Policy = { ...DEFAULT_POLICY, gitlabUrl: 'https://gitlab.example.com', capabilities: { api: true, resumeVia: 'create' } };
const TRIGGER_ONLY: Policy = { ...API, capabilities: { api: false, resumeVia: 'trigger' } };

function pipeline(id: number, status = 'running', ref = 'main'): PipelineFacts {
  return { id, status, ref, sha: 'abc', source: 'push', webUrl: `https://gitlab.example.com/p/${id}`, createdAt: null };
}

function job(id: number, name: string, stage: string, status: string, failureReason: string | null = null, allowFailure = false): JobFacts {
  return { id, name, stage, status, failureReason, allowFailure };
}

/** GitLab's view of a stuck pipeline from stuckRecord(): build succeeded, unit-tests still "running" on a dead runner. */
function stuckFacts(id: number, extra: Partial<Facts> = {}): Facts {
  return {
    pipeline: pipeline(id),
    jobs: [job(id * 10 + 1, 'build-app', 'build', 'success'), job(id * 10 + 2, 'unit-tests', 'test', 'running'), job(id * 10 + 3, 'deploy', 'deploy', 'created')],
    refPipelines: [pipeline(id)],
    ...extra,
  };
}

function run(record: ProgressRecord, facts: Facts | null, policy = API, now = NOW, rootStartedMs?: number | null): Decision | Skip {
  const first = triage(record, now, policy);
  if (first.kind === 'skip') return first;
  return decide({ record, candidate: first, facts, now, policy, rootStartedMs });
}

function expectResume(decision: Decision | Skip): ResumePlan {
  assert.equal(decision.kind, 'resume', `expected a resume, got ${JSON.stringify(decision)}`);
  return decision as ResumePlan;
}

function expectSkip(decision: Decision | Skip, code: Skip['code']): Skip {
  assert.equal(decision.kind, 'skip', `expected a skip (${code}), got ${JSON.stringify(decision)}`);
  assert.equal((decision as Skip).code, code, (decision as Skip).reason);
  return decision as Skip;
}

describe('stuck: an in_progress job whose heartbeat is older than its stage threshold', () => {
  it('resumes from the stuck stage, canceling first, with the lineage variables', () => {
    const plan = expectResume(run(stuckRecord(100, NOW), stuckFacts(100)));
    assert.equal(plan.stage, 'test');
    assert.equal(plan.cause, 'stuck');
    assert.equal(plan.cancel, 'cancel');
    assert.equal(plan.attempt, 1);
    assert.deepEqual(plan.variables, { RESUME_STAGE: 'test', HEALER_ROOT_PIPELINE_ID: '100', HEALER_PARENT_PIPELINE_ID: '100', HEALER_ATTEMPT: '1' });
    assert.match(plan.reason, /unit-tests .*in_progress, last update 30m ago > threshold 10m/);
  });

  it('leaves a job alone while its heartbeat is within the threshold (no API token: GitLab not asked)', () => {
    expectSkip(run(stuckRecord(100, NOW, {}, 5 * MINUTE), null, TRIGGER_ONLY), 'running');
  });

  it('honours per-stage thresholds: deploy may take 30 minutes', () => {
    const record = makeRecord({ id: 7, now: NOW, stages: ['build', 'deploy'], jobs: [{ name: 'prod', stage: 'deploy', status: 'in_progress', agoMs: 20 * MINUTE }] });
    const slow = { ...TRIGGER_ONLY, stageThresholdsMs: { deploy: 30 * MINUTE } };
    expectSkip(run(record, null, slow), 'running');
    expectResume(run(record, null, TRIGGER_ONLY));
  });

  it('thresholds work in seconds', () => {
    const record = stuckRecord(5, NOW, {}, 3000);
    expectResume(run(record, null, { ...TRIGGER_ONLY, stuckThresholdMs: 2000 }));
    expectSkip(run(record, null, { ...TRIGGER_ONLY, stuckThresholdMs: 5000 }), 'running');
  });

  it('is not stuck when GitLab shows the job finished (the record is out of date)', () => {
    const facts = stuckFacts(100);
    facts.jobs![1] = job(1002, 'unit-tests', 'test', 'success');
    expectSkip(run(stuckRecord(100, NOW), facts), 'record_outdated');
  });

  it('without an API token resumes from the record alone and says it could not cancel', () => {
    const plan = expectResume(run(stuckRecord(100, NOW), null, TRIGGER_ONLY));
    assert.equal(plan.cancel, 'no_api_token');
    assert.match(plan.notes.join(' '), /only a trigger token/);
  });

  it('reads legacy records (stages only, zone-less timestamps)', () => {
    const legacy = makeRecord({ id: 41928, now: NOW, project: null });
    legacy.stages = { build: { status: 'done', updated: '2026-12-04T09:35:00Z' }, test: { status: 'in_progress', updated: '2026-12-04T09:40:00Z' }, deploy: { status: 'pending', updated: null } };
    const plan = expectResume(run(legacy, null, { ...TRIGGER_ONLY, fallbackProject: '42' }));
    assert.equal(plan.stage, 'test');
    assert.equal(plan.project, '42');
    assert.match(plan.reason, /stage test in_progress, last update 20m ago/);
  });
});

describe('failed for an infrastructure cause (needs an API token)', () => {
  const failedRecord = () =>
    makeRecord({
      id: 200,
      now: NOW,
      stages: ['build', 'test', 'deploy'],
      jobs: [
        { name: 'build-app', stage: 'build', status: 'done', agoMs: 4 * MINUTE },
        { name: 'unit-tests', stage: 'test', status: 'in_progress', agoMs: 1 * MINUTE, jobId: 2002 },
      ],
    });

  it('resumes at once, without waiting for the threshold', () => {
    const facts: Facts = { pipeline: pipeline(200, 'failed'), jobs: [job(2001, 'build-app', 'build', 'success'), job(2002, 'unit-tests', 'test', 'failed', 'runner_system_failure')], refPipelines: [] };
    const plan = expectResume(run(failedRecord(), facts));
    assert.equal(plan.cause, 'infra_failure');
    assert.equal(plan.stage, 'test');
    assert.equal(plan.cancel, 'not_running');
    assert.match(plan.reason, /runner_system_failure/);
  });

  it('never resumes a script failure', () => {
    const facts: Facts = { pipeline: pipeline(200, 'failed'), jobs: [job(2002, 'unit-tests', 'test', 'failed', 'script_failure')], refPipelines: [] };
    expectSkip(run(failedRecord(), facts), 'not_infra');
  });

  it('ignores failures that are allowed to fail', () => {
    const facts: Facts = { pipeline: pipeline(200, 'running'), jobs: [job(2003, 'lint', 'test', 'failed', 'script_failure', true), job(2002, 'unit-tests', 'test', 'running')], refPipelines: [] };
    expectSkip(run(failedRecord(), facts), 'running');
  });

  it('uses the configured list of failure reasons', () => {
    const facts: Facts = { pipeline: pipeline(200, 'failed'), jobs: [job(2002, 'unit-tests', 'test', 'failed', 'job_execution_timeout')], refPipelines: [] };
    expectSkip(run(failedRecord(), facts), 'not_infra');
    expectResume(run(failedRecord(), facts, { ...API, infraFailureReasons: ['job_execution_timeout'] }));
  });

  it('finds a job that failed on its runner before it could record anything (unfinished stage order)', () => {
    const record = makeRecord({ id: 201, now: NOW, stages: ['build', 'test'], jobs: [{ name: 'build-app', stage: 'build', status: 'done', agoMs: 2 * MINUTE }] });
    const facts: Facts = { pipeline: pipeline(201, 'failed'), jobs: [job(1, 'build-app', 'build', 'success'), job(2, 'unit', 'test', 'failed', 'scheduler_failure')], refPipelines: [] };
    assert.equal(plan(run(record, facts)).stage, 'test');
  });

  it('without an API token a failed job is only counted, with what is missing', () => {
    const record = makeRecord({ id: 202, now: NOW, jobs: [{ name: 'unit', stage: 'test', status: 'failed' }] });
    assert.match(expectSkip(run(record, null, TRIGGER_ONLY), 'needs_api_token').reason, /GITLAB_TOKEN/);
  });
});

const plan = expectResume;

describe('never resumed', () => {
  for (const status of ['canceled', 'canceling']) {
    it(`a pipeline GitLab reports ${status} (a person canceled it)`, () => {
      expectSkip(run(stuckRecord(100, NOW), stuckFacts(100, { pipeline: pipeline(100, status) })), 'canceled');
    });
  }
  for (const [status, code] of [['success', 'succeeded'], ['skipped', 'skipped'], ['manual', 'waiting'], ['exploded', 'unknown_status'], ['constructor', 'unknown_status']] as const) {
    it(`a pipeline GitLab reports ${status}`, () => {
      expectSkip(run(stuckRecord(100, NOW), stuckFacts(100, { pipeline: pipeline(100, status) })), code);
    });
  }

  it('decidedByStatus says when the status alone decides, so that the jobs need not be asked for', () => {
    const record = stuckRecord(100, NOW);
    const candidate = triage(record, NOW, API);
    assert.equal(candidate.kind, 'candidate');
    if (candidate.kind !== 'candidate') return;
    const decided = (status: string) => decidedByStatus(record, candidate, status);
    assert.deepEqual(['success', 'skipped', 'manual', 'scheduled', 'canceled', 'canceling'].filter(decided), ['success', 'skipped', 'manual', 'scheduled', 'canceled', 'canceling']);
    assert.deepEqual(['running', 'pending', 'failed', 'created', 'exploded', 'constructor'].filter(decided), []);
    // Canceled by healer itself (an open intent): the resume is still owed, so the jobs must be looked at.
    const withIntent = stuckRecord(100, NOW);
    withIntent.resumes = [{ at: '2026-12-04T09:30:00Z', stage: 'test', state: 'intent', attempt: 1, owner: 'host:1:a' }];
    const owed = triage(withIntent, NOW, API);
    assert.equal(owed.kind, 'candidate');
    if (owed.kind === 'candidate') assert.equal(decidedByStatus(withIntent, owed, 'canceled'), false);
    // Whatever it says, decide() agrees: a status that decides alone gives a skip with no jobs at all.
    for (const status of ['success', 'skipped', 'manual', 'canceled']) {
      assert.equal(run(record, { pipeline: pipeline(100, status), jobs: null, refPipelines: null }).kind, 'skip');
    }
  });

  it('a pipeline superseded by a newer one on the same ref (configurable)', () => {
    const facts = stuckFacts(100, { refPipelines: [pipeline(130, 'running'), pipeline(100)] });
    assert.match(expectSkip(run(stuckRecord(100, NOW), facts), 'superseded').reason, /newer pipeline 130/);
    expectResume(run(stuckRecord(100, NOW), facts, { ...API, supersededCheck: false }));
  });

  it('a newer pipeline started through the API or a trigger (a resume, a tool\'s re-run) does not supersede it', () => {
    const resumeOfOther = { ...pipeline(130, 'running'), source: 'api' };
    const triggered = { ...pipeline(131, 'pending'), source: 'trigger' };
    expectResume(run(stuckRecord(100, NOW), stuckFacts(100, { refPipelines: [triggered, resumeOfOther, pipeline(100)] })));
    const byPerson = { ...pipeline(132, 'running'), source: 'web' };
    expectSkip(run(stuckRecord(100, NOW), stuckFacts(100, { refPipelines: [byPerson, pipeline(100)] })), 'superseded');
  });

  it('a newer pipeline that is this record\'s own resume does not supersede it', () => {
    const record = stuckRecord(100, NOW);
    record.resumes = [{ at: '2026-12-04T09:00:00Z', stage: 'test', state: 'failed', pipeline_id: 130 }];
    expectResume(run(record, stuckFacts(100, { refPipelines: [pipeline(130), pipeline(100)] })));
  });

  it('a lineage older than the max age, judged from the records, not the file', () => {
    expectSkip(run(stuckRecord(100, NOW, { createdAgoMs: 61 * MINUTE }), stuckFacts(100)), 'too_old');
    // The root record is older than this one: the lineage's age counts.
    const child = stuckRecord(110, NOW, { root: 100, parent: 100, attempt: 1, createdAgoMs: 35 * MINUTE });
    expectSkip(run(child, stuckFacts(110), API, NOW, NOW - 70 * MINUTE), 'too_old');
    expectResume(run(child, stuckFacts(110), API, NOW, NOW - 50 * MINUTE));
  });

  it('a record without any timestamp (its age cannot be judged)', () => {
    const record = stuckRecord(100, NOW);
    delete record.created;
    for (const j of Object.values(record.jobs)) {
      j.updated = 'garbage';
      j.started = null;
    }
    for (const s of Object.values(record.stages)) s.updated = null;
    expectSkip(run(record, null, TRIGGER_ONLY), 'no_timestamps');
  });

  it('a record of another GitLab server (no token is sent there)', () => {
    const record = stuckRecord(100, NOW, { serverUrl: 'https://evil.example.com' });
    assert.equal(expectSkip(run(record, null, TRIGGER_ONLY), 'other_gitlab').notify, true);
    expectResume(run(stuckRecord(100, NOW, { serverUrl: 'https://GitLab.example.com:443/' }), null, TRIGGER_ONLY));
  });

  it('a legacy record without project when GITLAB_PROJECT_ID is not set', () => {
    expectSkip(run(stuckRecord(100, NOW, { project: null }), null, TRIGGER_ONLY), 'no_project');
  });

  it('a finished pipeline (every stage done) is only counted', () => {
    const skipped = expectSkip(run(finishedRecord(100, NOW), null, API), 'no_active_job');
    assert.equal(skipped.listed, false);
  });
});

describe('lineage-wide retry limit', () => {
  it('counts the root and every resume together, from the newest record\'s attempt', () => {
    const second = stuckRecord(120, NOW, { root: 100, parent: 110, attempt: 2 });
    const limited = expectSkip(run(second, stuckFacts(120)), 'retry_limit');
    assert.equal(limited.notify, true);
    assert.match(limited.reason, /used 2 of 2 resumes \(MAX_RETRY_COUNT\)/);
    const first = stuckRecord(110, NOW, { root: 100, parent: 100, attempt: 1 });
    assert.equal(plan(run(first, stuckFacts(110))).variables.HEALER_ATTEMPT, '2');
    assert.equal(plan(run(first, stuckFacts(110))).variables.HEALER_ROOT_PIPELINE_ID, '100');
  });

  it('honours the legacy retry_count', () => {
    expectSkip(run(stuckRecord(100, NOW, { retryCount: 2 }), stuckFacts(100)), 'retry_limit');
    assert.equal(plan(run(stuckRecord(100, NOW, { retryCount: 1 }), stuckFacts(100))).attempt, 2);
  });

  it('a record already resumed is not resumed again', () => {
    const record = stuckRecord(100, NOW);
    record.resumes = [{ at: '2026-12-04T09:50:00Z', stage: 'test', state: 'triggered', attempt: 1, pipeline_id: 140 }];
    expectSkip(run(record, stuckFacts(100)), 'already_resumed');
  });
});

describe('where to resume', () => {
  it('the earliest stage in stage order that is not done', () => {
    const record = makeRecord({
      id: 300,
      now: NOW,
      stages: ['build', 'test', 'deploy'],
      jobs: [
        { name: 'b', stage: 'build', status: 'done', agoMs: 40 * MINUTE },
        { name: 'lint', stage: 'test', status: 'done', agoMs: 35 * MINUTE },
        { name: 'deploy', stage: 'deploy', status: 'in_progress', agoMs: 30 * MINUTE },
        { name: 'unit', stage: 'test', status: 'failed', agoMs: 32 * MINUTE },
      ],
    });
    assert.equal(plan(run(record, null, TRIGGER_ONLY)).stage, 'test');
  });

  it('learns the stage order from GitLab when the record has none', () => {
    const record = makeRecord({ id: 301, now: NOW, jobs: [{ name: 'unit', stage: 'test', status: 'in_progress', agoMs: 30 * MINUTE, jobId: 3 }] });
    const facts: Facts = { pipeline: pipeline(301), jobs: [job(3, 'unit', 'test', 'running'), job(1, 'b', 'build', 'success')], refPipelines: [] };
    assert.equal(plan(run(record, facts)).stage, 'test');
  });
});

describe('intents: two healers and crashes', () => {
  it('a fresh intent of another healer means hands off', () => {
    const record = stuckRecord(100, NOW);
    record.resumes = [{ at: '2026-12-04T09:59:00Z', stage: 'test', state: 'intent', attempt: 1, owner: 'host:1:a' }];
    assert.match(expectSkip(run(record, stuckFacts(100)), 'resume_in_progress').reason, /host:1:a/);
  });

  it('a stale intent whose pipeline exists is adopted, not triggered again', () => {
    const record = stuckRecord(100, NOW);
    record.resumes = [{ at: '2026-12-04T09:30:00Z', stage: 'test', state: 'intent', attempt: 1, owner: 'host:1:a' }];
    const decision = run(record, stuckFacts(100, { pipeline: pipeline(100, 'canceled'), startedByIntent: pipeline(150, 'running') }));
    assert.equal(decision.kind, 'adopt');
  });

  it('a stale intent without a pipeline is replaced (our own cancel is not a person\'s)', () => {
    const record = stuckRecord(100, NOW);
    const intent = { at: '2026-12-04T09:30:00Z', stage: 'test', state: 'intent' as const, attempt: 1, owner: 'host:1:a' };
    record.resumes = [intent];
    const replanned = plan(run(record, stuckFacts(100, { pipeline: pipeline(100, 'canceled'), startedByIntent: null })));
    assert.deepEqual(replanned.replacesIntent, intent);
    assert.equal(replanned.attempt, 1);
  });

  it('a pipeline healer canceled before a resume that then failed is still owed its resume', () => {
    const record = stuckRecord(100, NOW);
    record.resumes = [{ at: '2026-12-04T09:50:00Z', stage: 'test', state: 'failed', attempt: 1, canceled: true, error: 'refused' }];
    const facts = stuckFacts(100, { pipeline: pipeline(100, 'canceled') });
    facts.jobs = facts.jobs!.map((j) => (j.status === 'success' ? j : { ...j, status: 'canceled' }));
    const again = plan(run(record, facts));
    assert.equal(again.attempt, 1);
    assert.equal(again.cancel, 'not_running');
  });

  it('a stale intent without an API token is reported, never resent blindly', () => {
    const record = stuckRecord(100, NOW);
    record.resumes = [{ at: '2026-12-04T09:30:00Z', stage: 'test', state: 'intent', attempt: 1, owner: 'host:1:a' }];
    assert.equal(expectSkip(run(record, null, TRIGGER_ONLY), 'intent_unverified').notify, true);
  });
});

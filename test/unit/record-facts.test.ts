/**
 * One judgement of a record: the watchdog's decision (triage, decide, manual resume) and the people's view
 * (summarizeRecord: status, prune) read the same facts from core/record-facts.ts, so they cannot disagree about
 * what is stuck, where a pipeline stands, or how old it is. Each case pins a place where they used to differ.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide } from '../../src/core/decide.js';
import type { Facts, JobFacts } from '../../src/core/facts.js';
import { planManualResume } from '../../src/core/manual.js';
import { DEFAULT_POLICY, type Policy } from '../../src/core/policy.js';
import { inProgressUnits, recordTimes, resumeStageOf, stageProgress, workUnits } from '../../src/core/record-facts.js';
import { summarizeRecord } from '../../src/core/record-summary.js';
import { upgradeLegacy, type ProgressRecord } from '../../src/core/record.js';
import { triage } from '../../src/core/triage.js';
import { makeRecord, MINUTE } from '../helpers/scan-records.js';

const NOW = Date.parse('2026-12-04T10:00:00Z');
const API: Policy = { ...DEFAULT_POLICY, capabilities: { api: true, resumeVia: 'create' } };
const TRIGGER_ONLY: Policy = { ...DEFAULT_POLICY, capabilities: { api: false, resumeVia: 'trigger' } };
const at = (agoMs: number) => new Date(NOW - agoMs).toISOString().replace('.000Z', 'Z');
const job = (id: number, name: string, stage: string, status: string, failureReason: string | null = null): JobFacts => ({
  id, name, stage, status, failureReason, allowFailure: false,
});
const gitlab = (id: number, status: string, jobs: JobFacts[]): Facts => ({
  pipeline: { id, status, ref: 'main', sha: 'abc', source: 'push', webUrl: null, createdAt: null },
  jobs,
  refPipelines: [],
});

/** What `healer init` records: HEALER_STAGES carries GitLab's implicit .pre and .post around the project's stages. */
const INIT_ORDER = ['.pre', 'build', 'test', 'deploy', '.post'];
const doneRecord = (id: number) =>
  makeRecord({
    id,
    now: NOW,
    stages: INIT_ORDER,
    jobs: [
      { name: 'build-app', stage: 'build', status: 'done', agoMs: 15 * MINUTE },
      { name: 'unit-tests', stage: 'test', status: 'done', agoMs: 10 * MINUTE },
      { name: 'ship', stage: 'deploy', status: 'done', agoMs: 5 * MINUTE },
    ],
  });

describe('where a pipeline stands (stage progress)', () => {
  it('a stage with nothing recorded before a recorded one was passed: status shows it skipped, a resume never starts there', () => {
    const record = makeRecord({
      id: 1,
      now: NOW,
      stages: ['lint', 'build', 'test'],
      jobs: [{ name: 'build-app', stage: 'build', status: 'done', agoMs: 5 * MINUTE }],
    });
    assert.deepEqual(summarizeRecord(record, NOW, DEFAULT_POLICY).stages.map((s) => `${s.name}:${s.state}`), ['lint:skipped', 'build:done', 'test:pending']);
    assert.equal(resumeStageOf(record), 'test');
  });

  it('.pre and .post exist only with jobs: unrecorded, status leaves them out; GitLab\'s job list settles them for a resume', () => {
    const record = doneRecord(2);
    const summary = summarizeRecord(record, NOW, DEFAULT_POLICY);
    assert.equal(summary.state, 'done', 'a finished pipeline of an initialised project is done, not waiting for .post');
    assert.deepEqual(summary.stages.map((s) => s.name), ['build', 'test', 'deploy']);
    // Without GitLab nobody knows whether .post has jobs: the watchdog still asks GitLab (with an API token).
    assert.equal(resumeStageOf(record), '.post');
    assert.equal(triage(record, NOW, API).kind, 'candidate');
    // GitLab shows no .post job: nothing is left to run; with one, .post is where a resume starts.
    assert.equal(resumeStageOf(record, ['build', 'test', 'deploy']), null);
    assert.equal(resumeStageOf(record, ['build', 'test', 'deploy', '.post']), '.post');
    assert.deepEqual(stageProgress(record, ['build', 'test', 'deploy']).map((s) => s.name), ['build', 'test', 'deploy']);
  });

  it('a recorded .post is an ordinary stage for both', () => {
    const record = doneRecord(3);
    record.jobs.cleanup = { stage: '.post', status: 'in_progress', job_id: 9, updated: at(MINUTE) };
    record.stages['.post'] = { status: 'in_progress', updated: at(MINUTE) };
    assert.deepEqual(summarizeRecord(record, NOW, DEFAULT_POLICY).stages.map((s) => `${s.name}:${s.state}`), [
      'build:done',
      'test:done',
      'deploy:done',
      '.post:in_progress',
    ]);
    assert.equal(resumeStageOf(record, ['build', 'test', 'deploy']), '.post');
  });

  it('the watchdog never resumes from a .post that GitLab says this pipeline does not have', () => {
    // Every recorded stage is done, yet GitLab reports a job failed on its runner before it could record anything.
    const record = doneRecord(4);
    const first = triage(record, NOW, API);
    assert.equal(first.kind, 'candidate');
    if (first.kind !== 'candidate') return;
    const withoutPost = gitlab(4, 'failed', [job(1, 'build-app', 'build', 'success'), job(2, 'unit-tests', 'test', 'success'), job(3, 'ship-eu', 'deploy', 'failed', 'runner_system_failure')]);
    const told = decide({ record, candidate: first, facts: withoutPost, now: NOW, policy: API });
    assert.equal(told.kind === 'skip' && told.code, 'nothing_to_resume');
    const withPost = gitlab(4, 'failed', [job(1, 'build-app', 'build', 'success'), job(4, 'cleanup', '.post', 'failed', 'runner_system_failure')]);
    const resumed = decide({ record, candidate: first, facts: withPost, now: NOW, policy: API });
    assert.equal(resumed.kind === 'resume' && resumed.stage, '.post');
  });

  it('a manual resume of a finished pipeline says so instead of starting an empty .post pipeline', () => {
    const facts = { pipeline: gitlab(5, 'success', []).pipeline, jobs: [job(1, 'build-app', 'build', 'success')], variables: null, startedByIntent: null };
    const refused = planManualResume({ pipelineId: 5, force: true }, doneRecord(5), facts, NOW, API);
    assert.equal(refused.kind, 'refused');
    assert.match(refused.kind === 'refused' ? refused.message : '', /every stage of pipeline 5 is done/);
  });

  it('a resumed pipeline never resumes from a stage before its own RESUME_STAGE', () => {
    const record = makeRecord({ id: 6, now: NOW, stages: ['build', 'test', 'deploy'], root: 1, parent: 1, attempt: 1 });
    record.lineage!.resume_stage = 'test';
    assert.equal(resumeStageOf(record), 'test');
    assert.deepEqual(summarizeRecord(record, NOW, DEFAULT_POLICY).stages.map((s) => s.state), ['skipped', 'pending', 'pending']);
  });
});

describe('what is stuck (work units and thresholds)', () => {
  /** The bash helper began the record (stages only), then healer's jobs continued it: a migration mid-pipeline. */
  const mixed = (): ProgressRecord => {
    const record = upgradeLegacy({ pipeline_id: 7, ref: 'main', stages: { build: { status: 'done', updated: at(40 * MINUTE).replace('Z', '') }, test: { status: 'in_progress', updated: at(30 * MINUTE).replace('Z', '') } } }, 7);
    record.stage_order = ['build', 'test', 'deploy'];
    record.project = { id: 42 };
    record.jobs.lint = { stage: 'build', status: 'done', job_id: 70, updated: at(39 * MINUTE), finished: at(39 * MINUTE) };
    return record;
  };

  it('a stage only the bash helper recorded is a unit beside healer\'s jobs, for the watchdog and for status', () => {
    assert.deepEqual(workUnits(mixed()).map((u) => `${u.kind}:${u.name}`), ['job:lint', 'stage:test']);
    const summary = summarizeRecord(mixed(), NOW, DEFAULT_POLICY);
    assert.equal(summary.state, 'stuck');
    assert.deepEqual(summary.stuck && [summary.stuck.job, summary.stuck.stage], [null, 'test']);
    const candidate = triage(mixed(), NOW, TRIGGER_ONLY);
    assert.equal(candidate.kind, 'candidate');
    assert.deepEqual(candidate.kind === 'candidate' && candidate.stale.map((u) => u.name), ['test']);
    const plan = candidate.kind === 'candidate' ? decide({ record: mixed(), candidate, facts: null, now: NOW, policy: TRIGGER_ONLY }) : null;
    assert.equal(plan?.kind === 'resume' && plan.stage, 'test');
  });

  it('several stuck jobs: the watchdog names the one status shows (earliest stage, then longest silent)', () => {
    const record = makeRecord({
      id: 8,
      now: NOW,
      stages: ['build', 'test', 'deploy'],
      jobs: [
        { name: 'ship', stage: 'deploy', status: 'in_progress', agoMs: 50 * MINUTE },
        { name: 'unit-b', stage: 'test', status: 'in_progress', agoMs: 20 * MINUTE },
        { name: 'unit-a', stage: 'test', status: 'in_progress', agoMs: 25 * MINUTE },
      ],
    });
    assert.deepEqual(inProgressUnits(record, NOW, DEFAULT_POLICY).stale.map((u) => u.name), ['unit-a', 'unit-b', 'ship']);
    assert.equal(summarizeRecord(record, NOW, DEFAULT_POLICY).stuck?.job, 'unit-a');
    const candidate = triage(record, NOW, TRIGGER_ONLY);
    const plan = candidate.kind === 'candidate' ? decide({ record, candidate, facts: null, now: NOW, policy: TRIGGER_ONLY }) : null;
    assert.match(plan?.kind === 'resume' ? plan.reason : '', /^stuck: job unit-a \(stage test\) in_progress, last update 25m ago > threshold 10m$/);
  });

  it('per-stage thresholds come from one place for both', () => {
    const record = makeRecord({ id: 9, now: NOW, jobs: [{ name: 'ship', stage: 'deploy', status: 'in_progress', agoMs: 20 * MINUTE }] });
    const thresholds = { ...TRIGGER_ONLY, stageThresholdsMs: { deploy: 30 * MINUTE } };
    assert.equal(summarizeRecord(record, NOW, thresholds).state, 'running');
    assert.equal(triage(record, NOW, thresholds).kind, 'skip');
    assert.equal(summarizeRecord(record, NOW, TRIGGER_ONLY).state, 'stuck');
    assert.equal(triage(record, NOW, TRIGGER_ONLY).kind, 'candidate');
  });
});

describe('how old a record is', () => {
  it('the start is the pipeline\'s creation or first activity (the lineage age); the last change counts finishes and resumes too', () => {
    const record = makeRecord({ id: 10, now: NOW, createdAgoMs: 30 * MINUTE, jobs: [{ name: 'unit', stage: 'test', status: 'failed', agoMs: 20 * MINUTE }] });
    record.resumes = [{ at: at(2 * MINUTE), stage: 'test', state: 'triggered', pipeline_id: 11 }];
    assert.deepEqual(recordTimes(record), { firstMs: NOW - 30 * MINUTE, lastMs: NOW - 2 * MINUTE });
    const summary = summarizeRecord(record, NOW, DEFAULT_POLICY);
    assert.equal(summary.ageMs, 30 * MINUTE);
    assert.equal(summary.idleMs, 2 * MINUTE);
    // A record whose only times are finishes and its own write has no known start: scan refuses to judge its age,
    // and status shows no age, rather than taking the last write for the start.
    delete record.created;
    record.jobs.unit!.started = null;
    record.jobs.unit!.updated = 'garbage';
    for (const stage of Object.values(record.stages)) stage.updated = null;
    assert.equal(recordTimes(record).firstMs, null);
    assert.equal(summarizeRecord(record, NOW, DEFAULT_POLICY).ageMs, null);
  });
});

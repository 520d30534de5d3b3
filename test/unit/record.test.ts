import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { pipelineContextFromEnv, statusFromJobStatus, ContextError, parseStageList } from '../../src/core/ci-context.js';
import { checkJobName, checkPipelineId, checkStageName } from '../../src/core/names.js';
import { parseRecordText, validateRecord } from '../../src/core/record-parse.js';
import {
  applyJobUpdate,
  deriveStageStatus,
  emptyRecord,
  stageOrderOf,
  upgradeLegacy,
  withContext,
  type ProgressRecord,
} from '../../src/core/record.js';
import { formatTimestamp, parseTimestamp, withZone } from '../../src/core/time.js';
import { REPO_ROOT } from '../helpers/cli.js';

const T0 = '2026-12-04T09:00:00Z';
const T1 = '2026-12-04T09:05:00Z';
const T2 = '2026-12-04T09:10:00Z';
const LEGACY_SAMPLE = readFileSync(new URL('../../../test/fixtures/legacy-progress.sample.json', import.meta.url), 'utf8');

function fresh(id = 100): ProgressRecord {
  return emptyRecord({ pipelineId: id }, T0);
}

describe('stage status derivation', () => {
  it('is never done while a job of the stage runs or failed', () => {
    assert.equal(deriveStageStatus(['done', 'in_progress']), 'in_progress');
    assert.equal(deriveStageStatus(['done', 'failed']), 'failed');
    assert.equal(deriveStageStatus(['failed', 'in_progress']), 'in_progress');
    assert.equal(deriveStageStatus(['done', 'canceled']), 'canceled');
    assert.equal(deriveStageStatus(['done', 'skipped']), 'done');
    assert.equal(deriveStageStatus(['skipped']), 'skipped');
    assert.equal(deriveStageStatus(['done', 'done']), 'done');
  });

  it('keeps parallel jobs of one stage apart (legacy defect 5)', () => {
    let r = fresh();
    r = applyJobUpdate(r, { job: 'test 1/2', stage: 'test', status: 'in_progress' }, T0);
    r = applyJobUpdate(r, { job: 'test 2/2', stage: 'test', status: 'in_progress' }, T0);
    r = applyJobUpdate(r, { job: 'test 1/2', stage: 'test', status: 'done' }, T1);
    assert.equal(r.stages.test?.status, 'in_progress', 'first job to finish must not mark the stage done');
    r = applyJobUpdate(r, { job: 'test 2/2', stage: 'test', status: 'done' }, T2);
    assert.equal(r.stages.test?.status, 'done');
    assert.equal(r.stages.test?.updated, T2);
  });
});

describe('job updates', () => {
  it('sets started, updated and finished', () => {
    let r = fresh();
    r = applyJobUpdate(r, { job: 'build', stage: 'build', status: 'in_progress', jobId: 7, runner: 'r-1' }, T0);
    assert.deepEqual(
      { ...r.jobs.build },
      { stage: 'build', status: 'in_progress', job_id: 7, runner: 'r-1', started: T0, updated: T0, finished: null },
    );
    r = applyJobUpdate(r, { job: 'build', stage: 'build', status: 'done', jobId: 7 }, T1);
    assert.equal(r.jobs.build?.started, T0);
    assert.equal(r.jobs.build?.finished, T1);
    assert.equal(r.jobs.build?.runner, 'r-1', 'runner kept from the in_progress update');
    assert.equal(r.updated, T1);
  });

  it('starts the times again when the job is retried under a new job id', () => {
    let r = fresh();
    r = applyJobUpdate(r, { job: 'build', stage: 'build', status: 'failed', jobId: 7 }, T0);
    r = applyJobUpdate(r, { job: 'build', stage: 'build', status: 'in_progress', jobId: 8 }, T1);
    assert.equal(r.jobs.build?.job_id, 8);
    assert.equal(r.jobs.build?.started, T1);
    assert.equal(r.jobs.build?.finished, null);
    assert.equal(r.stages.build?.status, 'in_progress');
  });

  it('a heartbeat refreshes only a running job and never revives a finished one', () => {
    let r = fresh();
    r = applyJobUpdate(r, { job: 'deploy', stage: 'deploy', status: 'in_progress', jobId: 9 }, T0);
    const beat = applyJobUpdate(r, { job: 'deploy', stage: 'deploy', status: 'in_progress', jobId: 9, heartbeat: true }, T1);
    assert.equal(beat.jobs.deploy?.updated, T1);
    assert.equal(beat.jobs.deploy?.started, T0);
    const done = applyJobUpdate(beat, { job: 'deploy', stage: 'deploy', status: 'done', jobId: 9 }, T1);
    const late = applyJobUpdate(done, { job: 'deploy', stage: 'deploy', status: 'in_progress', jobId: 9, heartbeat: true }, T2);
    assert.equal(late, done, 'a late heartbeat changes nothing');
    assert.equal(late.jobs.deploy?.status, 'done');
    const unknown = applyJobUpdate(fresh(), { job: 'x', stage: 's', status: 'in_progress', heartbeat: true }, T2);
    assert.deepEqual(unknown.jobs, {});
  });

  it('re-derives the old stage when a job changes stage', () => {
    let r = fresh();
    r = applyJobUpdate(r, { job: 'j', stage: 'a', status: 'in_progress' }, T0);
    r = applyJobUpdate(r, { job: 'j', stage: 'b', status: 'done' }, T1);
    assert.equal(r.stages.a, undefined);
    assert.equal(r.stages.b?.status, 'done');
  });

  it('stores hostile job names as plain keys (no prototype pollution)', () => {
    let r = fresh();
    for (const name of ['__proto__', 'constructor', 'toString', 'test:cargo 1/3']) {
      r = applyJobUpdate(r, { job: name, stage: 'test', status: 'done' }, T0);
    }
    const text = JSON.stringify(r);
    const back = JSON.parse(text) as ProgressRecord;
    assert.deepEqual(Object.keys(back.jobs).sort(), ['__proto__', 'constructor', 'test:cargo 1/3', 'toString']);
    assert.equal(Object.getPrototypeOf(r.jobs), Object.prototype);
    assert.equal(({} as Record<string, unknown>).status, undefined);
    assert.ok(validateRecord(back).ok);
  });

  it('does not change the input record (pure)', () => {
    const r = fresh();
    const before = JSON.stringify(r);
    applyJobUpdate(r, { job: 'a', stage: 'build', status: 'done' }, T1);
    assert.equal(JSON.stringify(r), before);
  });
});

describe('legacy records', () => {
  it('upgrades the legacy sample without losing a field', () => {
    const parsed = parseRecordText(LEGACY_SAMPLE, 41928);
    assert.ok(parsed.ok);
    assert.equal(parsed.format, 'legacy');
    const r = parsed.record;
    const legacy = JSON.parse(LEGACY_SAMPLE);
    assert.equal(r.version, 1);
    assert.equal(r.pipeline_id, 41928, 'legacy field kept for old readers');
    assert.equal(r.ref, 'main');
    assert.equal(r.retry_count, legacy.retry_count);
    assert.deepEqual(Object.keys(r.stages), ['build', 'test', 'deploy']);
    assert.equal(r.stages.build?.updated, '2025-04-13T09:15:12Z', 'zone-less UTC read as UTC');
    assert.equal(r.stages.deploy?.status, 'pending');
    assert.equal(r.stages.deploy?.updated, null);
    assert.equal(r.pipeline.ref, 'main');
    assert.ok(validateRecord(r).ok);
    assert.deepEqual(stageOrderOf(r), ['build', 'test', 'deploy']);
  });

  it('keeps legacy stage entries until a job is recorded in them, and unknown fields always', () => {
    const legacy = { ...JSON.parse(LEGACY_SAMPLE), extra_field: { keep: true } };
    let r = upgradeLegacy(legacy, 41928);
    r = applyJobUpdate(r, { job: 'unit', stage: 'test', status: 'done' }, T1);
    assert.equal(r.stages.test?.status, 'done');
    assert.equal(r.stages.build?.status, 'done');
    assert.equal(r.stages.build?.updated, '2025-04-13T09:15:12Z');
    assert.deepEqual(r.extra_field, { keep: true });
  });

  it('refuses a legacy record of another pipeline', () => {
    const parsed = parseRecordText(LEGACY_SAMPLE, 5);
    assert.equal(parsed.ok, false);
    assert.match(parsed.ok ? '' : parsed.reason, /belongs to pipeline 41928/);
  });
});

describe('record parsing', () => {
  it('rejects text that is not JSON, not an object, or fails the schema', () => {
    const cases: Array<[string, RegExp]> = [
      ['{"version":1,', /not valid JSON/],
      ['[1,2]', /not a JSON object/],
      ['{"version":1,"pipeline":{"id":3},"jobs":{"a":{"stage":"s","status":"weird","updated":"2026-01-01T00:00:00Z"}},"stages":{}}', /jobs\/a\/status/],
      ['{"version":2,"pipeline":{"id":3}}', /newer healer/],
      ['{"stages":"nope"}', /neither a healer record nor a legacy one/],
      ['{"version":1,"pipeline":{"id":4},"jobs":{},"stages":{}}', /belongs to pipeline 4/],
    ];
    for (const [text, pattern] of cases) {
      const parsed = parseRecordText(text, 3);
      assert.equal(parsed.ok, false, text);
      assert.match(parsed.ok ? '' : parsed.reason, pattern);
    }
  });

  it('accepts a record written by this version and extra fields from newer writers', () => {
    const r = applyJobUpdate(fresh(3), { job: 'a', stage: 'build', status: 'done' }, T1);
    const parsed = parseRecordText(JSON.stringify({ ...r, future: [1] }), 3);
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.record.future, [1]);
  });

  it('agrees with the JSON Schema file compiled by ajv', async () => {
    const { Ajv } = await import('ajv');
    const schema = JSON.parse(readFileSync(`${REPO_ROOT}/schema/progress-record.v1.schema.json`, 'utf8'));
    const validate = new Ajv({ allowUnionTypes: true }).compile(schema);
    const good = applyJobUpdate(fresh(3), { job: 'a', stage: 'build', status: 'done', jobId: 1 }, T1);
    const bad = { ...good, jobs: { a: { ...good.jobs.a, updated: 'yesterday' } } };
    for (const value of [good, bad, { version: 1 }, { ...good, lineage: { attempt: -1 } }]) {
      assert.equal(validateRecord(value).ok, validate(value), JSON.stringify(value).slice(0, 80));
    }
  });
});

describe('CI context', () => {
  const env = {
    CI_PROJECT_ID: '42',
    CI_PROJECT_PATH: 'group/app',
    CI_PIPELINE_IID: '77',
    CI_COMMIT_REF_NAME: 'feature/x',
    CI_COMMIT_SHA: 'abc',
    CI_PIPELINE_SOURCE: 'push',
    CI_PIPELINE_URL: 'https://gitlab.example/group/app/-/pipelines/41928',
    HEALER_STAGES: 'build, test ,deploy',
  };

  it('fills project, pipeline and stage order, never overwriting known values', () => {
    const ctx = pipelineContextFromEnv(env, 41928);
    let r = withContext(emptyRecord(ctx, T0), ctx);
    assert.deepEqual(r.project, { id: 42, path: 'group/app' });
    assert.equal(r.pipeline.ref, 'feature/x');
    assert.equal(r.pipeline.iid, 77);
    assert.deepEqual(r.stage_order, ['build', 'test', 'deploy']);
    assert.deepEqual(r.lineage, { root_pipeline_id: 41928, parent_pipeline_id: null, attempt: 0, resume_stage: null });
    r = withContext(r, pipelineContextFromEnv({ ...env, CI_COMMIT_REF_NAME: 'other', HEALER_STAGES: 'x' }, 41928));
    assert.equal(r.pipeline.ref, 'feature/x');
    assert.deepEqual(r.stage_order, ['build', 'test', 'deploy']);
  });

  it('takes the lineage from the variables a resume sets', () => {
    const ctx = pipelineContextFromEnv(
      { ...env, RESUME_STAGE: 'test', HEALER_ROOT_PIPELINE_ID: '41900', HEALER_PARENT_PIPELINE_ID: '41920', HEALER_ATTEMPT: '2' },
      41928,
    );
    assert.deepEqual(ctx.lineage, { root_pipeline_id: 41900, parent_pipeline_id: 41920, attempt: 2, resume_stage: 'test' });
  });

  it('reports malformed HEALER variables by name', () => {
    assert.throws(() => pipelineContextFromEnv({ HEALER_ROOT_PIPELINE_ID: '../1' }, 5), ContextError);
    assert.throws(() => pipelineContextFromEnv({ HEALER_ROOT_PIPELINE_ID: '3', HEALER_ATTEMPT: 'x' }, 5), /HEALER_ATTEMPT/);
    assert.throws(() => parseStageList('build,../etc'), /HEALER_STAGES/);
  });

  it('maps CI_JOB_STATUS', () => {
    assert.equal(statusFromJobStatus('success'), 'done');
    assert.equal(statusFromJobStatus('failed'), 'failed');
    assert.equal(statusFromJobStatus('canceled'), 'canceled');
    assert.equal(statusFromJobStatus('running'), null);
    assert.equal(statusFromJobStatus(undefined), null);
  });
});

describe('names', () => {
  it('accepts real GitLab names and refuses path tricks', () => {
    assert.ok(checkJobName('test:cargo 1/3').ok);
    assert.ok(checkJobName('build: [linux, amd64]').ok);
    assert.ok(checkStageName('.pre').ok);
    assert.ok(checkStageName('dast scan').ok);
    for (const bad of ['..', '.', 'a/b', 'a\\b', 'a\u0000b', 'x'.repeat(256), '', ' lead']) {
      assert.equal(checkStageName(bad).ok, false, JSON.stringify(bad));
    }
    for (const bad of ['a\u0000b', 'a\nb', 'x'.repeat(256), '']) assert.equal(checkJobName(bad).ok, false);
    assert.deepEqual(checkPipelineId('41928'), { ok: true, value: 41928 });
    for (const bad of ['0', '-1', '1e3', '../1', '12/..', '1'.repeat(17), '', 'abc']) {
      assert.equal(checkPipelineId(bad).ok, false, bad);
    }
  });
});

describe('time', () => {
  it('parses zoned and legacy zone-less timestamps as UTC', () => {
    assert.equal(parseTimestamp('2025-04-13T09:15:12'), Date.UTC(2025, 3, 13, 9, 15, 12));
    assert.equal(parseTimestamp('2025-04-13T09:15:12Z'), Date.UTC(2025, 3, 13, 9, 15, 12));
    assert.equal(parseTimestamp('2025-04-13T11:15:12+02:00'), Date.UTC(2025, 3, 13, 9, 15, 12));
    assert.ok(Number.isNaN(parseTimestamp('yesterday')));
    assert.ok(Number.isNaN(parseTimestamp(null)));
    assert.equal(formatTimestamp(Date.UTC(2026, 11, 4, 9, 15, 12, 999)), '2026-12-04T09:15:12Z');
    assert.equal(withZone('2025-04-13T09:15:12'), '2025-04-13T09:15:12Z');
    assert.equal(withZone(null), null);
  });
});

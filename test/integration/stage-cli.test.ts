import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, tempDir } from '../helpers/cli.js';
import { readRecord, recordPath } from '../helpers/records.js';

const LEGACY_SAMPLE = new URL('../../../test/fixtures/legacy-progress.sample.json', import.meta.url);
const CANARY = 'glpat-CANARY-stage-0123456789';

function ciEnv(stateDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    HEALER_STATE_DIR: stateDir,
    CI_PIPELINE_ID: '41928',
    CI_PIPELINE_IID: '77',
    CI_PROJECT_ID: '42',
    CI_PROJECT_PATH: 'group/app',
    CI_COMMIT_REF_NAME: 'main',
    CI_COMMIT_SHA: '9f1c0000',
    CI_PIPELINE_SOURCE: 'push',
    CI_JOB_NAME: 'build-linux',
    CI_JOB_STAGE: 'build',
    CI_JOB_ID: '901',
    CI_RUNNER_DESCRIPTION: 'r-12',
    CI_JOB_TOKEN: CANARY,
    GITLAB_TOKEN: CANARY,
    HEALER_STAGES: 'build,test,deploy',
    ...extra,
  };
}

describe('healer stage (real process, real files)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ dir, cleanup } = await tempDir()));
  after(async () => cleanup());

  it('records a job from the CI variables, quietly, and derives the stage', async () => {
    const state = join(dir, 'basic');
    await mkdir(state);
    const started = await runCli(['stage', 'build', 'in_progress'], { env: ciEnv(state) });
    assert.equal(started.code, 0, started.stderr);
    assert.equal(started.stdout.trim().split('\n').length, 1, 'one short line');
    assert.equal(started.stderr, '');
    const done = await runCli(['stage', '--from-job-status', '--json'], { env: ciEnv(state, { CI_JOB_STATUS: 'success' }) });
    assert.equal(done.code, 0, done.stderr);
    const doc = JSON.parse(done.stdout);
    assert.equal(doc.status, 'done');
    assert.equal(doc.stage_status, 'done');
    const record = await readRecord(state, 41928);
    assert.equal(record.version, 1);
    assert.deepEqual(record.project, { id: 42, path: 'group/app' });
    assert.equal(record.pipeline.ref, 'main');
    assert.equal(record.pipeline.iid, 77);
    assert.deepEqual(record.stage_order, ['build', 'test', 'deploy']);
    const job = record.jobs['build-linux'];
    assert.equal(job?.job_id, 901);
    assert.equal(job?.runner, 'r-12');
    assert.match(job?.started ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.match(job?.finished ?? '', /Z$/);
    assert.equal(record.stages.build?.status, 'done');
  });

  it('records the failure and cancel statuses from CI_JOB_STATUS', async () => {
    const state = join(dir, 'after-script');
    await mkdir(state);
    for (const [ciStatus, expected] of [['failed', 'failed'], ['canceled', 'canceled']] as const) {
      const r = await runCli(['stage', '--from-job-status'], { env: ciEnv(state, { CI_JOB_STATUS: ciStatus, CI_JOB_NAME: ciStatus }) });
      assert.equal(r.code, 0, r.stderr);
      assert.equal((await readRecord(state, 41928)).jobs[ciStatus]?.status, expected);
    }
  });

  it('upgrades a legacy record on the next write without losing any field', async () => {
    const state = join(dir, 'legacy');
    await mkdir(join(state, '41928'), { recursive: true });
    const legacyText = await readFile(LEGACY_SAMPLE, 'utf8');
    await writeFile(recordPath(state, 41928), legacyText);
    const r = await runCli(['stage', 'test', 'done', '--job', 'unit'], { env: ciEnv(state) });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /legacy record upgraded/);
    const record = await readRecord(state, 41928);
    const legacy = JSON.parse(legacyText);
    assert.equal(record.pipeline_id, legacy.pipeline_id);
    assert.equal(record.ref, legacy.ref);
    assert.equal(record.retry_count, legacy.retry_count);
    assert.equal(record.stages.build?.status, 'done');
    assert.equal(record.stages.build?.updated, `${legacy.stages.build.updated}Z`);
    assert.equal(record.stages.deploy?.status, 'pending');
    assert.equal(record.stages.test?.status, 'done');
    assert.equal(record.jobs.unit?.stage, 'test');
  });

  it('stores job names with spaces, colons and slashes safely', async () => {
    const state = join(dir, 'names');
    await mkdir(state);
    for (const job of ['test:cargo 1/3', '__proto__', 'constructor']) {
      const r = await runCli(['stage', 'test', 'done', '--job', job], { env: ciEnv(state) });
      assert.equal(r.code, 0, r.stderr);
    }
    const record = await readRecord(state, 41928);
    assert.deepEqual(Object.keys(record.jobs).sort(), ['__proto__', 'constructor', 'test:cargo 1/3']);
    assert.deepEqual(await readdir(state), ['41928'], 'names never become paths');
    assert.deepEqual((await readdir(join(state, '41928'))).sort(), ['.ci-progress.json']);
  });

  it('never breaks the pipeline when the state folder is missing, unless strict', async () => {
    const missing = join(dir, 'does-not-exist');
    const soft = await runCli(['stage', 'build', 'done'], { env: ciEnv(missing) });
    assert.equal(soft.code, 0);
    assert.equal(soft.stderr.trim().split('\n').length, 1, soft.stderr);
    assert.match(soft.stderr, /warning: progress not recorded: state folder .* does not exist/);
    const strictFlag = await runCli(['stage', 'build', 'done', '--strict'], { env: ciEnv(missing) });
    assert.equal(strictFlag.code, 3);
    assert.match(strictFlag.stderr, /error: state folder/);
    const strictEnv = await runCli(['stage', 'build', 'done'], { env: ciEnv(missing, { HEALER_STRICT: '1' }) });
    assert.equal(strictEnv.code, 3);
  });

  it('treats an unwritable pipeline folder as a state problem', async () => {
    const state = join(dir, 'unwritable');
    await mkdir(state);
    await writeFile(join(state, '41928'), 'a file where the pipeline folder should be');
    const soft = await runCli(['stage', 'build', 'done'], { env: ciEnv(state) });
    assert.equal(soft.code, 0);
    assert.match(soft.stderr, /warning: progress not recorded/);
    const strict = await runCli(['stage', 'build', 'done', '--strict'], { env: ciEnv(state) });
    assert.equal(strict.code, 3);
    assert.equal(await readFile(join(state, '41928'), 'utf8'), 'a file where the pipeline folder should be');
  });

  it('never prints a token, even with --verbose on an error path', async () => {
    const runs = [
      await runCli(['stage', 'build', 'done', '--verbose', '--strict'], { env: ciEnv(join(dir, 'nope')) }),
      await runCli(['stage', 'build', 'bogus', '--verbose'], { env: ciEnv(join(dir, 'nope')) }),
      await runCli(['stage', 'build', 'done', '--verbose', '--json'], { env: ciEnv(join(dir, 'nope')) }),
    ];
    for (const r of runs) {
      assert.ok(!r.stdout.includes(CANARY) && !r.stderr.includes(CANARY));
    }
  });

  it('answers --help and --version', async () => {
    const version = await runCli(['--version']);
    assert.equal(version.code, 0);
    assert.match(version.stdout.trim(), /^\d+\.\d+\.\d+$/);
    const help = await runCli(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /stage/);
    assert.match(help.stdout, /Exit codes/);
    const stageHelp = await runCli(['stage', '--help']);
    assert.equal(stageHelp.code, 0);
    assert.match(stageHelp.stdout, /--from-job-status/);
    assert.match(stageHelp.stdout, /HEALER_STATE_DIR/);
    const runHelp = await runCli(['run', '--help']);
    assert.match(runHelp.stdout, /--heartbeat/);
  });
});

describe('healer stage refuses bad input: exit 2, one line, nothing changed on disk', () => {
  let state: string;
  let cleanup: () => Promise<void>;
  let goodBytes: string;
  before(async () => {
    ({ dir: state, cleanup } = await tempDir());
    const r = await runCli(['stage', 'build', 'done'], { env: ciEnv(state) });
    assert.equal(r.code, 0, r.stderr);
    goodBytes = await readFile(recordPath(state, 41928), 'utf8');
  });
  after(async () => cleanup());

  async function snapshot(): Promise<string> {
    const entries: string[] = [];
    for (const name of (await readdir(state)).sort()) {
      entries.push(name);
      for (const inner of (await readdir(join(state, name)).catch(() => [])).sort()) entries.push(`${name}/${inner}`);
    }
    return entries.join('\n') + '\n' + (await readFile(recordPath(state, 41928), 'utf8'));
  }

  const cases: Array<{ name: string; args: string[]; env?: Record<string, string | undefined>; message: RegExp }> = [
    { name: 'no pipeline id outside CI', args: ['stage', 'build', 'done'], env: { CI_PIPELINE_ID: undefined }, message: /no pipeline id: CI_PIPELINE_ID is not set .*--pipeline-id/ },
    { name: 'pipeline id with ..', args: ['stage', 'build', 'done', '--pipeline-id', '../41928'], message: /pipeline id "\.\.\/41928" is not a positive integer/ },
    { name: 'pipeline id from env with /', args: ['stage', 'build', 'done'], env: { CI_PIPELINE_ID: '41928/..' }, message: /is not a positive integer/ },
    { name: 'stage ..', args: ['stage', '..', 'done'], message: /stage name "\.\." looks like a path/ },
    { name: 'stage with /', args: ['stage', 'a/../../etc', 'done'], message: /looks like a path/ },
    { name: 'absurd stage length', args: ['stage', 's'.repeat(300), 'done'], message: /stage name is 300 characters long/ },
    { name: 'job name with a newline', args: ['stage', 'build', 'done', '--job', 'a\nb'], message: /job name "a\\nb" contains control characters/ },
    { name: 'absurd job name length', args: ['stage', 'build', 'done', '--job', 'j'.repeat(1000)], message: /job name is 1000 characters long/ },
    { name: 'unknown status', args: ['stage', 'build', 'finished'], message: /unknown status "finished" \(use one of in_progress, done, failed, skipped, canceled\)/ },
    { name: 'no status', args: ['stage', 'build'], message: /no status given/ },
    { name: 'status and --from-job-status', args: ['stage', 'build', 'done', '--from-job-status'], env: { CI_JOB_STATUS: 'success' }, message: /either a status or --from-job-status/ },
    { name: '--from-job-status without CI_JOB_STATUS', args: ['stage', '--from-job-status'], message: /CI_JOB_STATUS is not set/ },
    { name: 'unknown CI_JOB_STATUS', args: ['stage', '--from-job-status'], env: { CI_JOB_STATUS: 'running' }, message: /CI_JOB_STATUS="running" is not success, failed or canceled/ },
    { name: 'malformed HEALER_ATTEMPT', args: ['stage', 'build', 'done'], env: { HEALER_ROOT_PIPELINE_ID: '1', HEALER_ATTEMPT: 'two' }, message: /HEALER_ATTEMPT="two" is not an integer/ },
    { name: 'malformed lock timeout', args: ['stage', 'build', 'done'], env: { HEALER_LOCK_TIMEOUT_MS: 'soon' }, message: /HEALER_LOCK_TIMEOUT_MS/ },
    { name: 'unknown option', args: ['stage', 'build', 'done', '--frobnicate'], message: /unknown option '--frobnicate'/ },
  ];

  for (const c of cases) {
    it(c.name, async () => {
      const before = await snapshot();
      const r = await runCli(c.args, { env: { ...ciEnv(state), ...c.env } });
      assert.equal(r.code, 2, `exit code for ${c.name}: ${r.stderr}`);
      assert.match(r.stderr, c.message);
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      assert.equal(await snapshot(), before);
    });
  }

  for (const [name, bytes, message] of [
    ['a record that is not JSON', '{"version": 1, "jobs": {', /is not valid JSON/],
    ['a record that fails the schema', '{"version":1,"pipeline":{"id":41928},"jobs":{"x":{"stage":"b","status":"exploded","updated":"2026-01-01T00:00:00Z"}},"stages":{}}', /does not match the record schema: \/jobs\/x\/status/],
    ['an empty record file', '', /is not valid JSON/],
  ] as const) {
    it(`leaves ${name} byte-for-byte untouched and says how to fix it`, async () => {
      const path = recordPath(state, 41928);
      await writeFile(path, bytes);
      try {
        const r = await runCli(['stage', 'build', 'done'], { env: ciEnv(state) });
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, message);
        assert.ok(r.stderr.includes(path), 'names the file');
        assert.match(r.stderr, /move it aside/);
        assert.equal(await readFile(path, 'utf8'), bytes);
        assert.deepEqual((await readdir(join(state, '41928'))).sort(), ['.ci-progress.json'], 'no temp or lock left');
      } finally {
        await writeFile(path, goodBytes);
      }
    });
  }
});

/** Configuration: flags > environment > config file > defaults, the old watchdog's variables, tokens, and errors. */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig, loadRecordConfig, policyOf, type ConfigFlags } from '../../src/config.js';
import { HealerError } from '../../src/errors.js';
import { Redactor } from '../../src/redact.js';
import { runCli, tempDir } from '../helpers/cli.js';

describe('configuration', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => {
    ({ dir, cleanup } = await tempDir('healer-config-'));
  });
  after(() => cleanup());

  const load = (env: Record<string, string> = {}, flags: ConfigFlags = {}, redactor = new Redactor()) => loadConfig(flags, env, { cwd: dir, redactor });
  const file = (data: unknown, name = 'healer.config.json') => writeFile(join(dir, name), typeof data === 'string' ? data : JSON.stringify(data));
  const rejects = (promise: Promise<unknown>, message: RegExp) =>
    assert.rejects(promise, (e: HealerError) => {
      assert.equal(e.kind, 'config', e.message);
      assert.match(`${e.message} (${e.hint ?? ''})`, message);
      return true;
    });

  it('defaults are the old watchdog\'s', async () => {
    const config = await load();
    assert.equal(config.stateDir, '/mnt/ci-state/pipelines');
    assert.equal(config.gitlabUrl, 'https://gitlab.com');
    assert.equal(config.stuckThresholdMs, 10 * 60_000);
    assert.equal(config.maxAgeMs, 60 * 60_000);
    assert.equal(config.maxRetries, 2);
    assert.equal(config.requestTimeoutMs, 30_000);
    assert.equal(config.supersededCheck, true);
    assert.ok(config.infraFailureReasons.includes('runner_system_failure') && !config.infraFailureReasons.includes('script_failure'));
    assert.deepEqual(policyOf(config).capabilities, { api: false, resumeVia: null });
  });

  it('reads the old variables in minutes, and the new ones as durations (seconds work)', async () => {
    const old = await load({ STUCK_THRESHOLD_MINUTES: '15', MAX_PIPELINE_AGE_MINUTES: '30', MAX_RETRY_COUNT: '5', GITLAB_PROJECT_ID: '42', GITLAB_REF: 'main' });
    assert.equal(old.stuckThresholdMs, 15 * 60_000);
    assert.equal(old.maxAgeMs, 30 * 60_000);
    assert.equal(old.maxRetries, 5);
    assert.equal(old.fallbackProject, '42');
    assert.equal(old.fallbackRef, 'main');
    const fresh = await load({ STUCK_THRESHOLD_MINUTES: '15', HEALER_STUCK_THRESHOLD: '30s', HEALER_MAX_PIPELINE_AGE: '1h30m' });
    assert.equal(fresh.stuckThresholdMs, 30_000);
    assert.equal(fresh.maxAgeMs, 90 * 60_000);
  });

  it('flags > environment > config file > defaults; relative paths in the file are relative to it', async () => {
    await mkdir(join(dir, 'conf'), { recursive: true });
    await file({ state_dir: 'state', stuck_threshold: '20m', max_retries: 4, gitlab: { url: 'https://file.example.com' } }, 'conf/healer.json');
    const flags = { config: 'conf/healer.json' };
    const fromFile = await load({}, flags);
    assert.equal(fromFile.stateDir, join(dir, 'conf', 'state'));
    assert.equal(fromFile.stuckThresholdMs, 20 * 60_000);
    assert.equal(fromFile.maxRetries, 4);
    assert.equal(fromFile.gitlabUrl, 'https://file.example.com');
    const fromEnv = await load({ STUCK_THRESHOLD_MINUTES: '7', HEALER_STATE_DIR: '/srv/state', GITLAB_URL: 'https://env.example.com/', CI_SERVER_URL: 'https://ci.example.com' }, flags);
    assert.equal(fromEnv.stuckThresholdMs, 7 * 60_000);
    assert.equal(fromEnv.stateDir, '/srv/state');
    assert.equal(fromEnv.gitlabUrl, 'https://env.example.com');
    const fromFlags = await load({ STUCK_THRESHOLD_MINUTES: '7' }, { ...flags, stuckThreshold: '45s', stateDir: '/flag', maxRetries: '1' });
    assert.equal(fromFlags.stuckThresholdMs, 45_000);
    assert.equal(fromFlags.stateDir, '/flag');
    assert.equal(fromFlags.maxRetries, 1);
    assert.equal((await load({ CI_SERVER_URL: 'https://ci.example.com' })).gitlabUrl, 'https://ci.example.com');
  });

  it('per-stage thresholds from the file, overridden per stage by the environment, then by flags', async () => {
    await file({ stage_thresholds: { deploy: '30m', test: '5m', lint: 120 } });
    const config = await load({ HEALER_STAGE_THRESHOLDS: 'test=90s, e2e=20m' });
    assert.deepEqual({ ...config.stageThresholdsMs }, { deploy: 30 * 60_000, test: 90_000, e2e: 20 * 60_000, lint: 120_000 });
    const flagged = await load({ HEALER_STAGE_THRESHOLDS: 'test=90s, e2e=20m' }, { stageThreshold: ['e2e=1h', 'test=2w'] });
    assert.deepEqual({ ...flagged.stageThresholdsMs }, { deploy: 30 * 60_000, test: 14 * 86_400_000, e2e: 3_600_000, lint: 120_000 });
    assert.equal(flagged.sources.stage_thresholds, 'file + env HEALER_STAGE_THRESHOLDS + flag --stage-threshold');
    // Bare numbers: seconds in the variable (as documented), refused on the command line.
    assert.equal((await load({ HEALER_STAGE_THRESHOLDS: 'deploy=90' })).stageThresholdsMs.deploy, 90_000);
    await rejects(load({}, { stageThreshold: ['deploy=90'] }), /^--stage-threshold: duration "90" is not like 7d, 12h, 30m, 45s or 1d12h \(a unit is needed\)/);
    await rejects(load({ HEALER_STAGE_THRESHOLDS: 'deploy=0.5s' }), /HEALER_STAGE_THRESHOLDS \(deploy\)="500ms" is too short \(at least 1000 ms\)/);
    await rejects(load({}, { stageThreshold: ['../x=1m'] }), /--stage-threshold: /);
    await file({});
  });

  it('status and prune load the same settings without any token or GitLab setting', async () => {
    await file({ state_dir: 'state', stuck_threshold: '20m', stage_thresholds: { deploy: '45m' } });
    const env = { GITLAB_TOKEN_FILE: 'missing-file', GITLAB_URL: 'ftp://not-read', MAX_RETRY_COUNT: 'not read either' };
    const records = await loadRecordConfig({}, env, { cwd: dir });
    assert.equal(records.stateDir, join(dir, 'state'));
    assert.equal(records.stuckThresholdMs, 20 * 60_000);
    assert.deepEqual({ ...records.stageThresholdsMs }, { deploy: 45 * 60_000 });
    assert.equal((await loadRecordConfig({ stuckAfter: '3m' }, { STUCK_THRESHOLD_MINUTES: '7' }, { cwd: dir })).stuckThresholdMs, 3 * 60_000);
    assert.equal((await loadRecordConfig({}, { STUCK_THRESHOLD_MINUTES: '7' }, { cwd: dir })).stuckThresholdMs, 7 * 60_000);
    assert.equal((await loadRecordConfig({}, { HEALER_STUCK_THRESHOLD: '90' }, { cwd: dir })).stuckThresholdMs, 90_000);
    await file({});
    assert.equal((await loadRecordConfig({}, {}, { cwd: dir })).stuckThresholdMs, 10 * 60_000);
  });

  it('tokens: from a variable or a file (never both), registered with the redactor at once', async () => {
    await writeFile(join(dir, 'token'), 'file-token-value-123\n');
    const redactor = new Redactor();
    const config = await load({ GITLAB_TOKEN_FILE: 'token', GITLAB_TRIGGER_TOKEN: 'trigger-value-456' }, {}, redactor);
    assert.equal(config.apiToken, 'file-token-value-123');
    assert.equal(config.triggerToken, 'trigger-value-456');
    assert.equal(redactor.redact('a file-token-value-123 b trigger-value-456'), 'a [REDACTED] b [REDACTED]');
    assert.deepEqual(policyOf(config).capabilities, { api: true, resumeVia: 'create' });
    assert.deepEqual(policyOf({ ...config, resumeVia: 'trigger' }).capabilities, { api: true, resumeVia: 'trigger' });
    await rejects(load({ GITLAB_TOKEN: 'x-token-1', GITLAB_TOKEN_FILE: 'token' }), /both GITLAB_TOKEN and GITLAB_TOKEN_FILE are set/);
    await rejects(load({ GITLAB_TOKEN_FILE: 'missing' }), /cannot read the token file .*missing named by GITLAB_TOKEN_FILE \(ENOENT\)/);
    await writeFile(join(dir, 'empty'), '\n');
    await rejects(load({ GITLAB_TRIGGER_TOKEN_FILE: 'empty' }), /token file .*empty named by GITLAB_TRIGGER_TOKEN_FILE is empty/);
  });

  it('config file errors a person can act on', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ stuck_treshold: '10m' }, /top level: unknown setting "stuck_treshold"/],
      [{ gitlab: { token: 'x' } }, /gitlab\.token: tokens do not belong in the config file; set token_file/],
      [{ stuck_threshold: 'ten minutes' }, /stuck_threshold: not a duration \(write a duration such as "30s"/],
      [{ stage_thresholds: { deploy: '30 min' } }, /stage_thresholds\.deploy: not a duration/],
      [{ max_retries: -1 }, /max_retries: must be >= 0/],
      [{ gitlab: { resume_via: 'webhook' } }, /gitlab\.resume_via: must be one of auto, create, trigger/],
      [{ gitlab: { url: 'gitlab.example.com' } }, /gitlab\.url: must be an http\(s\) URL/],
      ['{ "max_retries": 2, }', /is not valid JSON/],
      ['[1]', /must hold a JSON object/],
    ];
    for (const [data, message] of cases) {
      await file(data);
      await rejects(load(), message);
    }
    await file({});
    await rejects(load({}, { config: 'nope.json' }), /cannot read config file .*nope\.json \(ENOENT\).*--config/);
  });

  it('bad environment values name the variable', async () => {
    await rejects(load({ STUCK_THRESHOLD_MINUTES: 'ten' }), /STUCK_THRESHOLD_MINUTES="ten" is not a duration \(write a number of minutes/);
    await rejects(load({ MAX_RETRY_COUNT: '2.5' }), /MAX_RETRY_COUNT="2.5" is not a whole number/);
    await rejects(load({ HEALER_SUPERSEDED_CHECK: 'maybe' }), /HEALER_SUPERSEDED_CHECK="maybe" is not true or false/);
    await rejects(load({ HEALER_INFRA_FAILURE_REASONS: 'runner system failure' }), /not a GitLab failure reason/);
    await rejects(load({ HEALER_STAGE_THRESHOLDS: 'deploy' }), /is not STAGE=DURATION/);
    await rejects(load({ GITLAB_URL: 'ftp://x' }), /GITLAB_URL="ftp:\/\/x" is not an http\(s\) URL/);
    await rejects(load({ GITLAB_PROJECT_ID: '42; rm -rf' }), /neither a project id nor a group\/project path/);
    await rejects(load({ HEALER_INTENT_TIMEOUT: '30s', HEALER_REQUEST_TIMEOUT: '20s' }), /intent timeout .* at least twice the request timeout/);
    await rejects(load({ HEALER_INTENT_TIMEOUT: '2m', HEALER_CANCEL_WAIT: '90s' }), /plus the cancel wait \(env HEALER_CANCEL_WAIT\)/);
    await rejects(load({ HEALER_CANCEL_WAIT: 'soon' }), /HEALER_CANCEL_WAIT/);
    assert.equal((await load({})).cancelWaitMs, 30_000);
    assert.equal((await load({ HEALER_CANCEL_WAIT: '0' })).cancelWaitMs, 0);
    const reasons = await load({ HEALER_INFRA_FAILURE_REASONS: 'runner_system_failure, job_execution_timeout' });
    assert.deepEqual(reasons.infraFailureReasons, ['runner_system_failure', 'job_execution_timeout']);
  });

  it('the CLI turns configuration errors into one line and exit 2', async () => {
    await file({ bogus: true });
    const bad = await runCli(['scan', '--dry-run'], { cwd: dir, env: { HEALER_STATE_DIR: dir } });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^healer: error: config file .*healer\.config\.json: top level: unknown setting "bogus"/);
    assert.equal(bad.stderr.trim().split('\n').length, 1);
    await file({});
    const noToken = await runCli(['scan'], { cwd: dir, env: { HEALER_STATE_DIR: dir } });
    assert.equal(noToken.code, 2);
    assert.match(noToken.stderr, /no GitLab token configured.*GITLAB_TOKEN.*GITLAB_TRIGGER_TOKEN.*--dry-run works without/);
    const noState = await runCli(['scan', '--dry-run', '--state-dir', join(dir, 'absent')], { cwd: dir });
    assert.equal(noState.code, 2);
    assert.match(noState.stderr, /state folder .*absent does not exist \(mount the shared volume there/);
    const badFlag = await runCli(['scan', '--stuck-threshold', 'soon'], { cwd: dir, env: { HEALER_STATE_DIR: dir } });
    assert.equal(badFlag.code, 2);
    // Every duration flag of every command says the same thing (the one grammar); a number alone needs its unit there.
    assert.match(badFlag.stderr, /--stuck-threshold: duration "soon" is not like 7d, 12h, 30m/);
    const bareFlag = await runCli(['scan', '--dry-run', '--max-age', '60'], { cwd: dir, env: { HEALER_STATE_DIR: dir } });
    assert.equal(bareFlag.code, 2);
    assert.match(bareFlag.stderr, /^healer: error: --max-age: duration "60" is not like 7d, 12h, 30m, 45s or 1d12h \(a unit is needed\)$/m);
  });
});

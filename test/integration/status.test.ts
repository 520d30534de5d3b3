/** `healer status` on a mixed state folder: v1, legacy and broken records, lineages, a stuck and a live pipeline. */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli, tempDir } from '../helpers/cli.js';
import { buildMixedTree } from '../helpers/mixed-tree.js';
import { snapshot } from '../helpers/restore-scenario.js';

let state: string;
let root: string;
let cleanup: () => Promise<void>;
before(async () => {
  const t = await tempDir('healer-status-');
  cleanup = t.cleanup;
  root = t.dir;
  state = join(t.dir, 'state');
  await buildMixedTree(state);
});
after(() => cleanup());

const ESC = '\u001b[';

test('the table shows every record, newest first, with its state, stages, stuck job, lineage and resumes', async () => {
  const before = await snapshot(state);
  const result = await runCli(['status', '--state-dir', state]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, '');
  assert.ok(!result.stdout.includes(ESC), 'no colours when stdout is not a terminal');
  const lines = result.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^PIPELINE\s+REF\s+AGE\s+UPDATED\s+LINEAGE\s+STATE\s+STAGES\s+NOTES$/);
  const row = (id: number) => lines.find((l) => l.startsWith(`${id} `)) ?? assert.fail(`no row for ${id}:\n${result.stdout}`);
  assert.deepEqual(lines.slice(1, -1).map((l) => Number(l.split(' ')[0])), [800, 700, 600, 501, 500, 400, 301, 300, 201, 200, 101, 100]);
  assert.match(row(700), /feature\/x .* original +stuck +build:done test:stuck deploy:pending +stuck: unit silent 3h > 10m/);
  assert.match(row(201), /#1 of 200 after 200 +running +build:skipped test:skipped deploy:in_progress/);
  assert.match(row(101), /#1 of 100 after 100 +done +build:skipped test:done deploy:done/);
  assert.match(row(100), /canceled .* resumed 1× \(last: triggered from test → 101\)/);
  assert.match(row(301), /stuck +build:done test:stuck +stuck: stage test silent 30d > 10m; legacy record/);
  assert.match(row(300), /30d +30d ago .* done +build:done test:done +legacy record/);
  assert.match(row(500), /broken .*is not valid JSON/);
  assert.match(row(501), /broken .*the folder holds no record file/);
  assert.match(row(800), /\? +\? +original +waiting/);
  assert.match(lines.at(-1)!, /^12 records: 2 stuck, 1 running, 1 waiting, 1 canceled, 5 done, 2 broken$/);
  assert.deepEqual(await snapshot(state), before, 'status writes nothing');
});

test('colours decorate when forced, and NO_COLOR wins', async () => {
  const coloured = await runCli(['status', '--state-dir', state], { env: { FORCE_COLOR: '1' } });
  assert.ok(coloured.stdout.includes(`${ESC}31m${ESC}1mstuck`), 'stuck in bold red');
  assert.ok(coloured.stdout.includes(`${ESC}32mbuild:done`), 'done in green');
  const plain = await runCli(['status', '--state-dir', state], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } });
  assert.ok(!plain.stdout.includes(ESC));
});

test('--json gives scripts every fact, broken records apart', async () => {
  const result = await runCli(['status', '--json'], { env: { HEALER_STATE_DIR: state, STUCK_THRESHOLD_MINUTES: '240' } });
  assert.equal(result.code, 0, result.stderr);
  const doc = JSON.parse(result.stdout);
  assert.equal(doc.state_dir, state);
  assert.deepEqual(doc.broken.map((b: { pipeline_id: number }) => b.pipeline_id), [501, 500]);
  const byId = new Map<number, Record<string, any>>(doc.records.map((r: { pipeline_id: number }) => [r.pipeline_id, r]));
  assert.equal(byId.get(700)!.state, 'running', 'a 4-hour threshold makes the 3-hour silence normal');
  assert.equal(byId.get(700)!.stuck, null);
  assert.equal(byId.get(301)!.format, 'legacy');
  assert.deepEqual(byId.get(301)!.stuck, { job: null, stage: 'test', job_id: null, idle_seconds: byId.get(301)!.stuck.idle_seconds, threshold_seconds: 14400 });
  assert.deepEqual(byId.get(101)!.lineage, { root_pipeline_id: 100, parent_pipeline_id: 100, attempt: 1, resume_stage: 'test' });
  assert.equal(byId.get(201)!.live, true);
  assert.equal(byId.get(800)!.age_seconds, null);
  assert.equal(byId.get(100)!.resumes[0].pipeline_id, 101);
});

test('--pipeline shows one record with its jobs; a missing or broken one exits 1', async () => {
  const one = await runCli(['status', '--pipeline', '700', '--state-dir', state]);
  assert.equal(one.code, 0, one.stderr);
  assert.match(one.stdout, /JOB +STAGE +STATUS +JOB ID +RUNNER +UPDATED/);
  assert.match(one.stdout, /unit +test +in_progress +72 +- +3h ago/);
  const json = JSON.parse((await runCli(['status', '--pipeline', '700', '--json', '--state-dir', state])).stdout);
  assert.equal(json.records[0].jobs.unit.job_id, 72);
  const missing = await runCli(['status', '--pipeline', '12345', '--state-dir', state]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no record of pipeline 12345 in /);
  const broken = await runCli(['status', '--pipeline', '500', '--state-dir', state]);
  assert.equal(broken.code, 1);
  assert.match(broken.stdout, /pipeline 500: broken record: .*is not valid JSON/);
});

test('bad input and a missing state folder are one clear line each', async () => {
  const bad = await runCli(['status', '--stuck-after', '10', '--state-dir', state]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^healer: error: --stuck-after: duration "10" is not like 7d, 12h, 30m/);
  const badEnv = await runCli(['status'], { env: { HEALER_STATE_DIR: state, HEALER_STAGE_THRESHOLDS: 'deploy' } });
  assert.equal(badEnv.code, 2);
  const badId = await runCli(['status', '--pipeline', '../1', '--state-dir', state]);
  assert.equal(badId.code, 2);
  const none = await runCli(['status', '--state-dir', join(state, 'nope')]);
  assert.equal(none.code, 3);
  assert.match(none.stderr, /state folder .*nope does not exist/);
  assert.equal(none.stderr.trim().split('\n').length, 1);
});

test('thresholds and the state folder come from the same configuration as scan; no token is read', async () => {
  const stateOf = async (args: string[], options: { env?: Record<string, string>; cwd?: string } = {}) => {
    const result = await runCli(['status', '--json', ...args], options);
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout).records.find((r: { pipeline_id: number }) => r.pipeline_id === 700).state;
  };
  // The default config file of the working folder, with its relative state folder: a 4-hour threshold.
  await writeFile(join(root, 'healer.config.json'), JSON.stringify({ state_dir: 'state', stuck_threshold: '4h' }));
  // Settings only scan uses, even broken ones, are never read: no token file, no GitLab URL.
  const unrelated = { GITLAB_TOKEN_FILE: join(root, 'no-such-token'), GITLAB_URL: 'ftp://nowhere', MAX_RETRY_COUNT: 'x' };
  assert.equal(await stateOf([], { cwd: root, env: unrelated }), 'running');
  assert.equal(await stateOf(['--stuck-after', '1h'], { cwd: root }), 'stuck', 'a flag wins over the file');
  assert.equal(await stateOf([], { cwd: root, env: { HEALER_STUCK_THRESHOLD: '1h' } }), 'stuck', 'the environment wins over the file');
  // --config / HEALER_CONFIG name another file; per-stage thresholds from it, overridden by --stage-threshold.
  await mkdir(join(root, 'conf'), { recursive: true });
  await writeFile(join(root, 'conf', 'healer.json'), JSON.stringify({ state_dir: '../state', stage_thresholds: { test: '5h' } }));
  assert.equal(await stateOf(['--config', 'conf/healer.json'], { cwd: root }), 'running');
  assert.equal(await stateOf([], { cwd: root, env: { HEALER_CONFIG: join(root, 'conf', 'healer.json') } }), 'running');
  assert.equal(await stateOf(['--config', 'conf/healer.json', '--stage-threshold', 'test=2h'], { cwd: root }), 'stuck');
  assert.equal(await stateOf(['--config', 'conf/healer.json'], { cwd: root, env: { HEALER_STAGE_THRESHOLDS: 'test=90' } }), 'stuck', '90 seconds, as for scan');
  const bad = await runCli(['status', '--config', 'conf/missing.json'], { cwd: root });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^healer: error: cannot read config file .*missing\.json \(ENOENT\)/);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
});

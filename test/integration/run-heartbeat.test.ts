import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, startCli, tempDir } from '../helpers/cli.js';
import { readRecord, waitFor } from '../helpers/records.js';
import { parseTimestamp } from '../../src/core/time.js';

describe('healer run', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ dir, cleanup } = await tempDir()));
  after(async () => cleanup());

  function env(state: string, pipeline: string, extra: Record<string, string> = {}) {
    return { HEALER_STATE_DIR: state, CI_PIPELINE_ID: pipeline, CI_JOB_NAME: 'long job', CI_JOB_ID: '77', ...extra };
  }

  it('refreshes the heartbeat while the command runs, then records done', async () => {
    const state = join(dir, 'beat');
    await mkdir(state);
    const child = startCli(['run', 'deploy', '--heartbeat', '0.2', '--', process.execPath, '-e', 'setTimeout(() => {}, 3500)'], {
      env: env(state, '700'),
    });
    const running = await waitFor(async () => {
      const r = await readRecord(state, 700);
      return r.jobs['long job']?.status === 'in_progress' ? r.jobs['long job'] : undefined;
    });
    const started = parseTimestamp(running.started);
    // The heartbeat moves `updated` past `started` while the job is still running.
    const advanced = await waitFor(
      async () => {
        const job = (await readRecord(state, 700)).jobs['long job'];
        return job?.status === 'in_progress' && parseTimestamp(job.updated) > started ? job : undefined;
      },
      { tries: 100, everyMs: 50 },
    );
    assert.equal(advanced.started, running.started, 'started is kept');
    const code = await new Promise((resolve) => child.on('exit', resolve));
    assert.equal(code, 0);
    const job = (await readRecord(state, 700)).jobs['long job'];
    assert.equal(job?.status, 'done');
    assert.equal(job?.stage, 'deploy');
    assert.ok(job?.finished);
  });

  it('passes the exit code through and records failed', async () => {
    const state = join(dir, 'exit');
    await mkdir(state);
    const r = await runCli(['run', 'test', '--', process.execPath, '-e', 'process.stdout.write("out"); process.exit(7)'], {
      env: env(state, '701'),
    });
    assert.equal(r.code, 7);
    assert.equal(r.stdout, 'out', 'the command owns stdout');
    assert.equal((await readRecord(state, 701)).jobs['long job']?.status, 'failed');
  });

  it('forwards SIGTERM to the command, records canceled and exits with its code', async () => {
    const state = join(dir, 'signal');
    await mkdir(state);
    const script = 'process.on("SIGTERM", () => { console.log("child got SIGTERM"); process.exit(143); }); console.log("ready"); setInterval(() => {}, 1000);';
    const child = startCli(['run', 'test', '--', process.execPath, '-e', script], { env: env(state, '702') });
    let stdout = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    await waitFor(async () => (stdout.includes('ready') ? true : undefined));
    await waitFor(async () => ((await readRecord(state, 702)).jobs['long job']?.status === 'in_progress' ? true : undefined));
    child.kill('SIGTERM');
    const code = await new Promise((resolve) => child.on('exit', resolve));
    assert.equal(code, 143);
    assert.match(stdout, /child got SIGTERM/);
    assert.equal((await readRecord(state, 702)).jobs['long job']?.status, 'canceled');
  });

  it('exits with 128 + signal when the command is killed by a signal', async () => {
    const state = join(dir, 'killed');
    await mkdir(state);
    const r = await runCli(['run', 'test', '--', process.execPath, '-e', 'process.kill(process.pid, "SIGKILL")'], { env: env(state, '703') });
    assert.equal(r.code, 137);
    assert.equal((await readRecord(state, 703)).jobs['long job']?.status, 'failed');
  });

  it('reports a command that does not exist with exit 127 and records failed', async () => {
    const state = join(dir, 'missing');
    await mkdir(state);
    const r = await runCli(['run', 'test', '--', 'healer-no-such-command-xyz'], { env: env(state, '704') });
    assert.equal(r.code, 127);
    assert.match(r.stderr, /cannot run healer-no-such-command-xyz: ENOENT/);
    assert.equal((await readRecord(state, 704)).jobs['long job']?.status, 'failed');
  });

  it('still runs the command when progress cannot be recorded, unless strict', async () => {
    const missing = join(dir, 'nope');
    const soft = await runCli(['run', 'test', '--', process.execPath, '-e', 'console.log("ran")'], { env: env(missing, '705') });
    assert.equal(soft.code, 0);
    assert.match(soft.stdout, /ran/);
    assert.match(soft.stderr, /warning: progress not recorded/);
    const strict = await runCli(['run', 'test', '--strict', '--', process.execPath, '-e', 'console.log("ran")'], { env: env(missing, '705') });
    assert.equal(strict.code, 3);
    assert.doesNotMatch(strict.stdout, /ran/);
  });

  it('refuses a bad heartbeat with exit 2 before running anything', async () => {
    const state = join(dir, 'bad');
    await mkdir(state);
    const r = await runCli(['run', 'test', '--heartbeat', '0', '--', process.execPath, '-e', 'console.log("ran")'], { env: env(state, '706') });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /heartbeat "0" is not a number of seconds/);
    assert.doesNotMatch(r.stdout, /ran/);
    await assert.rejects(readFile(join(state, '706', '.ci-progress.json')));
  });
});

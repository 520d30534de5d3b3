import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { runCli, tempDir } from '../helpers/cli.js';
import { readRecord, recordPath, sleep } from '../helpers/records.js';

const WRITERS = 64;

describe('healer stage under concurrency', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ dir, cleanup } = await tempDir()));
  after(async () => cleanup());

  it(`${WRITERS} concurrent processes writing ${WRITERS} different jobs: all present, never invalid JSON`, async () => {
    const state = join(dir, 'storm');
    await mkdir(state);
    const env = (i: number) => ({
      HEALER_STATE_DIR: state,
      CI_PIPELINE_ID: '500',
      CI_JOB_NAME: `test ${i + 1}/${WRITERS}`,
      CI_JOB_ID: String(1000 + i),
      HEALER_LOCK_TIMEOUT_MS: '60000',
    });
    // Seed the record so the reader has something to read from the start.
    assert.equal((await runCli(['stage', 'build', 'done', '--job', 'seed'], { env: env(0) })).code, 0);

    let reading = true;
    let reads = 0;
    const invalid: string[] = [];
    const reader = (async () => {
      while (reading) {
        const text = await readFile(recordPath(state, 500), 'utf8');
        try {
          JSON.parse(text);
        } catch {
          invalid.push(text.slice(0, 200));
        }
        reads += 1;
        await sleep(1);
      }
    })();

    const results = await Promise.all(
      Array.from({ length: WRITERS }, (_, i) => runCli(['stage', 'test', i % 2 ? 'done' : 'in_progress', '--strict'], { env: env(i), timeoutMs: 120_000 })),
    );
    reading = false;
    await reader;

    for (const r of results) assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(invalid, [], 'a reader never sees a partial file');
    assert.ok(reads > 10, `the reader really polled (${reads} reads)`);
    const record = await readRecord(state, 500);
    const names = Object.keys(record.jobs).filter((n) => n.startsWith('test '));
    assert.equal(names.length, WRITERS, 'every update survived');
    for (let i = 0; i < WRITERS; i += 1) {
      assert.equal(record.jobs[`test ${i + 1}/${WRITERS}`]?.status, i % 2 ? 'done' : 'in_progress');
      assert.equal(record.jobs[`test ${i + 1}/${WRITERS}`]?.job_id, 1000 + i);
    }
    assert.equal(record.stages.test?.status, 'in_progress', 'stage not done while half its jobs run');
    assert.deepEqual((await readdir(join(state, '500'))).sort(), ['.ci-progress.json'], 'no temp files or locks left');
  });

  it('a writer killed with SIGKILL while holding the lock: the next writer succeeds once the lock is stale', async () => {
    const state = join(dir, 'killed');
    await mkdir(state);
    const env = { HEALER_STATE_DIR: state, CI_PIPELINE_ID: '600', CI_JOB_NAME: 'build', HEALER_LOCK_STALE_MS: '2000' };
    assert.equal((await runCli(['stage', 'build', 'in_progress'], { env })).code, 0);
    const before = await readFile(recordPath(state, 600), 'utf8');

    const holderScript = fileURLToPath(new URL('../helpers/lock-holder.js', import.meta.url));
    const holder = spawn(process.execPath, [holderScript, recordPath(state, 600), '2000'], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      holder.stdout!.setEncoding('utf8').on('data', (d: string) => d.includes('locked') && resolve());
      holder.on('exit', () => reject(new Error('lock holder exited early')));
    });

    // While the holder lives, a writer with a short bound gives up: warning + exit 0, or exit 3 when strict.
    const blocked = await runCli(['stage', 'build', 'done'], { env: { ...env, HEALER_LOCK_TIMEOUT_MS: '300' } });
    assert.equal(blocked.code, 0);
    assert.match(blocked.stderr, /warning: progress not recorded: could not lock .* within/);
    const strict = await runCli(['stage', 'build', 'done', '--strict'], { env: { ...env, HEALER_LOCK_TIMEOUT_MS: '300' } });
    assert.equal(strict.code, 3);
    assert.equal(await readFile(recordPath(state, 600), 'utf8'), before, 'nothing written without the lock');

    holder.kill('SIGKILL');
    await new Promise((resolve) => holder.on('exit', resolve));
    const entries = await readdir(join(state, '600'));
    assert.ok(entries.includes('.ci-progress.json.lock'), 'the killed writer left its lock behind');

    const next = await runCli(['stage', 'build', 'done', '--strict'], { env: { ...env, HEALER_LOCK_TIMEOUT_MS: '20000' } });
    assert.equal(next.code, 0, next.stderr);
    const record = await readRecord(state, 600);
    assert.equal(record.jobs.build?.status, 'done');
    assert.equal(record.stages.build?.status, 'done');
    assert.deepEqual((await readdir(join(state, '600'))).sort(), ['.ci-progress.json']);
  });
});

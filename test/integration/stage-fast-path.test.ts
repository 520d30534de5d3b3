/**
 * `healer stage` has two entry points: the bundled fast path (no commander) that CI jobs use, and the commander
 * wiring (used for --help, and with HEALER_NO_FAST_PATH=1). They must accept the same command lines and behave
 * the same: same exit code, same output, same record.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, tempDir } from '../helpers/cli.js';

const TIMESTAMP = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/g;

const CASES: Array<{ args: string[]; env?: Record<string, string> }> = [
  { args: ['stage', 'build', 'in_progress'] },
  { args: ['stage', 'build', 'done', '--json'] },
  { args: ['stage', 'test', 'failed', '--job=unit 1/2', '--json'] },
  { args: ['stage', '--from-job-status'], env: { CI_JOB_STATUS: 'canceled' } },
  { args: ['stage', 'deploy', 'done', '--pipeline-id', '77'] },
  { args: ['stage', 'deploy', 'done', '--no-color', '--verbose'] },
  { args: ['stage', 'build', 'done', '--frobnicate'] },
  { args: ['stage', 'build', 'done', '--job'] },
  { args: ['stage', 'build', 'done', 'extra'] },
  { args: ['stage', 'build', 'nonsense'] },
  { args: ['stage', '..', 'done'] },
  { args: ['stage', 'build', 'done', '--state-dir', '/nonexistent/healer'] },
  { args: ['stage', 'build', 'done', '--state-dir', '/nonexistent/healer', '--strict', '--json'] },
];

describe('healer stage: fast path and commander wiring agree', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ dir, cleanup } = await tempDir()));
  after(async () => cleanup());

  CASES.forEach((c, i) => {
    it(c.args.slice(1).join(' '), async () => {
      const results = [];
      for (const mode of ['fast', 'commander'] as const) {
        const state = join(dir, `${i}-${mode}`);
        await mkdir(state);
        const env = {
          HEALER_STATE_DIR: state,
          CI_PIPELINE_ID: '41',
          CI_JOB_NAME: 'job',
          CI_JOB_STAGE: 'build',
          ...(mode === 'commander' ? { HEALER_NO_FAST_PATH: '1' } : {}),
          ...c.env,
        };
        const r = await runCli(c.args, { env });
        const normalise = (s: string) => s.split(state).join('<state>').replace(TIMESTAMP, '<time>');
        const pipeline = c.args.includes('77') ? '77' : '41';
        const record = await readFile(join(state, pipeline, '.ci-progress.json'), 'utf8').catch(() => null);
        results.push({ code: r.code, stdout: normalise(r.stdout), stderr: normalise(r.stderr), record: record && normalise(record) });
      }
      assert.deepEqual(results[0], results[1]);
    });
  });
});

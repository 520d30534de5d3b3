/**
 * The story of issue 6 with the real binary: the original pipeline's build job produces dist/ (its artifacts, as
 * GitLab would keep them, are served by the artifact server), the test job's runner vanishes, and in the pipeline
 * resumed from test the test job — which needs dist/ — first runs `healer restore`, then finds build's output and passes.
 * (`healer run STAGE -- cmd` currently passes '--' on as the command — a scaffold bug, reported — so '--' is omitted.)
 */
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildZip, startArtifactServer } from '../helpers/artifact-server.js';
import { runCli, tempDir } from '../helpers/cli.js';

const TOKEN = 'glcbt-story-CANARY-93be61';
const BUILD = "require('fs').mkdirSync('dist',{recursive:true});require('fs').writeFileSync('dist/answer.txt','42\\n')";
const TEST = "if(require('fs').readFileSync('dist/answer.txt','utf8')!=='42\\n')process.exit(1)";

test('a resumed test job finds build\'s output and passes', async () => {
  const { dir, cleanup } = await tempDir('healer-story-');
  const server = await startArtifactServer({ jobToken: TOKEN });
  try {
    const state = join(dir, 'state');
    const first = join(dir, 'checkout-100');
    const resumed = join(dir, 'checkout-101');
    await Promise.all([mkdir(state), mkdir(first), mkdir(resumed)]);
    const common = { HEALER_STATE_DIR: state, HEALER_STAGES: 'build,test,deploy', CI_PROJECT_ID: '42', CI_API_V4_URL: server.apiUrl, CI_JOB_TOKEN: TOKEN };

    // Pipeline 100: build runs and succeeds; GitLab keeps dist/ as the job's artifacts.
    const build = await runCli(['run', 'build', '--', process.execPath, '-e', BUILD], {
      cwd: first,
      env: { ...common, CI_PIPELINE_ID: '100', CI_JOB_NAME: 'build', CI_JOB_STAGE: 'build', CI_JOB_ID: '901', CI_PROJECT_DIR: first },
    });
    assert.equal(build.code, 0, build.stderr);
    server.answerJob(42, 901, { kind: 'zip', body: await buildZip([{ name: 'dist/answer.txt', data: await readFile(join(first, 'dist/answer.txt')) }]) });
    // The test job starts, then its runner disconnects: the record keeps it in_progress.
    const started = await runCli(['stage', 'test', 'in_progress'], {
      env: { ...common, CI_PIPELINE_ID: '100', CI_JOB_NAME: 'test', CI_JOB_ID: '904' },
    });
    assert.equal(started.code, 0, started.stderr);

    // Pipeline 101, resumed from test (the variables a resume sets). A fresh checkout: no dist/.
    const job = {
      ...common, RESUME_STAGE: 'test', HEALER_ROOT_PIPELINE_ID: '100', HEALER_PARENT_PIPELINE_ID: '100', HEALER_ATTEMPT: '1',
      CI_PIPELINE_ID: '101', CI_JOB_NAME: 'test', CI_JOB_STAGE: 'test', CI_JOB_ID: '1004', CI_PROJECT_DIR: resumed, HEALER_NEEDS: '["build"]',
    };
    const without = await runCli(['run', 'test', '--', process.execPath, '-e', TEST], { cwd: resumed, env: job });
    assert.notEqual(without.code, 0, 'without restore the resumed test job lacks dist/ and fails');

    const restore = await runCli(['restore'], { cwd: resumed, env: job });
    assert.equal(restore.code, 0, restore.stderr);
    assert.match(restore.stdout, /restored the artifacts of 1 job\(s\) of build/);
    const test = await runCli(['run', 'test', '--', process.execPath, '-e', TEST], { cwd: resumed, env: { ...job, CI_JOB_ID: '1005' } });
    assert.equal(test.code, 0, test.stderr);

    const status = await runCli(['status', '--json'], { env: common });
    const records = JSON.parse(status.stdout).records as Array<{ pipeline_id: number; stages: Array<{ name: string; state: string }>; lineage: { attempt: number } }>;
    const p101 = records.find((r) => r.pipeline_id === 101)!;
    assert.equal(p101.lineage.attempt, 1);
    assert.deepEqual(p101.stages.find((s) => s.name === 'test')?.state, 'done');
    for (const out of [build, started, without, restore, test, status]) assert.ok(!(out.stdout + out.stderr).includes(TOKEN));
  } finally {
    await server.close();
    await cleanup();
  }
});

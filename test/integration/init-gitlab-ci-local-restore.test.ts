/**
 * The restore line healer init writes, run for real by gitlab-ci-local 4.73.0 (shell executor) against the artifact
 * server on 127.0.0.1:
 * - a full pipeline: the guard keeps healer restore from starting at all;
 * - the same pipeline resumed from `test` in a fresh checkout: `test` (needs: [build], so HEALER_NEEDS='["build"]')
 *   fetches build's artifacts only, finds them and passes; `deploy` (no needs: every earlier job) fetches build's and
 *   lint's. The artifacts served differ from what the first run left, so only a restore can make the jobs pass.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildZip, startArtifactServer } from '../helpers/artifact-server.js';
import { BIN, runCli, tempDir } from '../helpers/cli.js';
import { gcl, gitRepo, jobOutput, variables } from '../helpers/gitlab-ci-local.js';

const TOKEN = 'glpat-gcl-CANARY-4be2a1';

const CI = `stages: [build, test, deploy]
build:
  stage: build
  script: [mkdir -p dist, echo first-run > dist/answer.txt]
  artifacts:
    paths: [dist/]
lint:
  stage: build
  script: [echo first-run > lint.txt]
  artifacts:
    paths: [lint.txt]
test:
  stage: test
  needs: [build]
  script: [grep -qx from-pipeline-1 dist/answer.txt, test ! -e lint.txt]
deploy:
  stage: deploy
  script: [grep -qx from-pipeline-1 dist/answer.txt, grep -qx lint-from-pipeline-1 lint.txt]
`;

interface JobRecord {
  stage: string;
  status: string;
  job_id: number;
}

test('a pipeline resumed from test restores what each job would have got, then passes', async () => {
  const { dir, cleanup } = await tempDir('healer-gcl-restore-');
  const server = await startArtifactServer({ privateToken: TOKEN });
  try {
    const repo = join(dir, 'repo');
    const home = join(dir, 'home');
    const state = join(dir, 'state');
    await Promise.all([mkdir(repo), mkdir(home), mkdir(state)]);
    await gitRepo(repo, CI);
    const init = await runCli(['init', '--command', `node ${BIN}`], { cwd: repo });
    assert.equal(init.code, 0, init.stderr);
    const common = { HEALER_STATE_DIR: state, GITLAB_URL: server.origin, GITLAB_TOKEN: TOKEN };

    // Pipeline 1: build and lint pass; test fails (it wants what only the artifact server holds), deploy never runs.
    const first = await gcl(repo, home, variables(common));
    const firstOut = `${first.stdout}\n${first.stderr}`;
    for (const job of ['build', 'lint', 'test', 'deploy']) {
      assert.ok(!jobOutput(firstOut, job).some((l) => /restore/.test(l)), `${job}: the guard keeps healer restore from starting`);
    }
    assert.equal(server.requests.length, 0, 'no request in a normal pipeline');
    const [parentId] = await readdir(state);
    const parent = JSON.parse(await readFile(join(state, parentId!, '.ci-progress.json'), 'utf8')) as { jobs: Record<string, JobRecord>; project: { id: number } };
    assert.equal(parent.jobs.build!.status, 'done');
    assert.equal(parent.jobs.lint!.status, 'done');
    assert.equal(parent.jobs.test!.status, 'failed');
    const project = parent.project.id;
    server.answerJob(project, parent.jobs.build!.job_id, { kind: 'zip', body: await buildZip([{ name: 'dist/answer.txt', data: Buffer.from('from-pipeline-1\n') }]) });
    server.answerJob(project, parent.jobs.lint!.job_id, { kind: 'zip', body: await buildZip([{ name: 'lint.txt', data: Buffer.from('lint-from-pipeline-1\n') }]) });

    // Pipeline 2, resumed from test in a fresh checkout: nothing of pipeline 1's files is left.
    await rm(join(repo, 'dist'), { recursive: true, force: true });
    await rm(join(repo, 'lint.txt'), { force: true });
    await rm(join(repo, '.gitlab-ci-local', 'artifacts'), { recursive: true, force: true });
    const resumed = await gcl(repo, home, variables({ ...common, RESUME_STAGE: 'test', HEALER_PARENT_PIPELINE_ID: parentId! }));
    const out = `${resumed.stdout}\n${resumed.stderr}`;
    assert.equal(resumed.code, 0, `gitlab-ci-local failed:\n${out}`);
    assert.match(jobOutput(out, 'test').join('\n'), /restored the artifacts of 1 job\(s\) of \.pre, build/);
    assert.match(jobOutput(out, 'deploy').join('\n'), /restored the artifacts of 2 job\(s\) of \.pre, build/);
    const asked = server.requests.map((r) => r.path);
    const path = (job: string) => `/api/v4/projects/${project}/jobs/${parent.jobs[job]!.job_id}/artifacts`;
    assert.deepEqual(asked, [path('build'), path('build'), path('lint')], 'test asks for build only; deploy for build and lint');
    assert.ok(!out.includes(TOKEN), 'the token is never printed');

    const resumedId = (await readdir(state)).find((id) => id !== parentId)!;
    const record = JSON.parse(await readFile(join(state, resumedId, '.ci-progress.json'), 'utf8')) as { jobs: Record<string, JobRecord> };
    assert.deepEqual(Object.keys(record.jobs).sort(), ['deploy', 'test']);
    assert.equal(record.jobs.test!.status, 'done');
    assert.equal(record.jobs.deploy!.status, 'done');
  } finally {
    await server.close();
    await cleanup();
  }
});

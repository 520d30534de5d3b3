/**
 * The rules healer init writes, evaluated by gitlab-ci-local 4.73.0 (which evaluates rules:if like GitLab and honours
 * needs:optional; it ignores workflow:rules and only/except, so the configurations here use neither after init):
 * - --list-json with RESUME_STAGE undefined, empty and each stage gives exactly the expected job set;
 * - a real shell-executor run of a 3-stage pipeline resumed from `test` (test needs build) runs test and deploy,
 *   passes, and the jobs record their progress through the built healer binary; their restore line runs and, without
 *   a parent pipeline to restore from, only warns (init-gitlab-ci-local-restore.test.ts restores for real).
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startArtifactServer } from '../helpers/artifact-server.js';
import { BIN, runCli, tempDir } from '../helpers/cli.js';
import { gcl, gitCommitAll, gitRepo, jobOutput, variables } from '../helpers/gitlab-ci-local.js';

async function listed(dir: string, home: string, resume: string | undefined): Promise<string[]> {
  const args = ['--list-json'];
  if (resume !== undefined) args.push('--variable', `RESUME_STAGE=${resume}`);
  const r = await gcl(dir, home, args);
  assert.equal(r.code, 0, r.stderr);
  const jobs = JSON.parse(r.stdout) as { name: string; when: string }[];
  return jobs.filter((j) => j.when !== 'never').map((j) => j.name).sort();
}

const RICH = `stages: [build, "unit test", deploy]
variables:
  GREETING: hi
.tpl: &tpl
  script: [echo tpl]
.lintbase:
  script: [echo lint]
  rules:
    - if: $CI_COMMIT_BRANCH
prep:
  stage: .pre
  script: [echo prep]
compile:
  <<: *tpl
  stage: build
lint:
  extends: .lintbase
  stage: build
"test:unit 1":
  stage: unit test
  needs: [compile]
  script: [echo test]
  parallel:
    matrix:
      - V: ["a", "b"]
manual check:
  stage: unit test
  when: manual
  script: [echo m]
ship:
  stage: deploy
  needs: ["test:unit 1", lint]
  script: [echo ship]
  only: [branches]
later:
  stage: deploy
  when: delayed
  start_in: 1 minute
  script: [echo later]
report:
  stage: .post
  when: always
  script: [echo report]
`;

const JOB_STAGES: Record<string, string> = {
  prep: '.pre',
  compile: 'build',
  lint: 'build',
  'test:unit 1: [a]': 'unit test',
  'test:unit 1: [b]': 'unit test',
  'manual check': 'unit test',
  ship: 'deploy',
  later: 'deploy',
  report: '.post',
};
const ORDER = ['.pre', 'build', 'unit test', 'deploy', '.post'];

describe('init output under gitlab-ci-local', () => {
  let dir: string;
  let home: string;
  const cleanups: (() => Promise<void>)[] = [];
  before(async () => {
    const t = await tempDir('healer-gcl-');
    cleanups.push(t.cleanup);
    dir = join(t.dir, 'repo');
    home = join(t.dir, 'home');
    await mkdir(dir);
    await mkdir(home);
  });
  after(async () => {
    for (const c of cleanups) await c();
  });

  it('lists exactly the expected jobs for RESUME_STAGE undefined, empty and each stage', async () => {
    await gitRepo(dir, RICH);
    const init = await runCli(['init'], { cwd: dir });
    assert.equal(init.code, 0, init.stderr);
    await gitCommitAll(dir, 'init');
    const all = Object.keys(JOB_STAGES).sort();
    assert.deepEqual(await listed(dir, home, undefined), all, 'RESUME_STAGE undefined: every job, as before');
    assert.deepEqual(await listed(dir, home, ''), all, 'RESUME_STAGE empty: every job, as before');
    for (const [i, stage] of ORDER.entries()) {
      const expected = all.filter((job) => ORDER.indexOf(JOB_STAGES[job]!) >= i);
      assert.deepEqual(await listed(dir, home, stage), expected, `RESUME_STAGE=${stage}`);
    }
  });

  it('runs a pipeline resumed from test: test (which needs build) and deploy run and pass, build does not', async () => {
    const t = await tempDir('healer-gcl-run-');
    cleanups.push(t.cleanup);
    const repo = join(t.dir, 'repo');
    const state = join(t.dir, 'state');
    await mkdir(repo);
    await mkdir(state);
    await gitRepo(
      repo,
      `stages: [build, test, deploy]
build:
  stage: build
  script: [echo built > built.txt]
test:
  stage: test
  needs: [build]
  script: [echo tested]
deploy:
  stage: deploy
  script: [echo deployed > deployed.txt]
`,
    );
    const init = await runCli(['init', '--command', `node ${BIN}`], { cwd: repo });
    assert.equal(init.code, 0, init.stderr);
    assert.match(await readFile(join(repo, '.gitlab-ci.yml'), 'utf8'), /test:\n(.*\n)*?  variables:\n    HEALER_NEEDS: '\["build"\]'\n/);
    // A GitLab stand-in on 127.0.0.1: restore must not ask it (or anyone) for anything in this run.
    const sentinel = await startArtifactServer({ privateToken: 'glpat-sentinel' });
    let r;
    try {
      r = await gcl(repo, home, variables({ RESUME_STAGE: 'test', HEALER_STATE_DIR: state, GITLAB_URL: sentinel.origin, GITLAB_TOKEN: 'glpat-sentinel' }));
    } finally {
      await sentinel.close();
    }
    assert.equal(r.code, 0, `gitlab-ci-local failed:\n${r.stdout}\n${r.stderr}`);
    // The restore line runs for real here: a resume without HEALER_PARENT_PIPELINE_ID has nowhere to take artifacts
    // from, which restore documents as a warning with exit 0 — before any state read or request.
    for (const job of ['test', 'deploy']) {
      assert.deepEqual(
        jobOutput(`${r.stdout}\n${r.stderr}`, job).filter((l) => /restore|HEALER_PARENT_PIPELINE_ID/.test(l)),
        ["healer: warning: RESUME_STAGE is set but HEALER_PARENT_PIPELINE_ID is not: healer cannot tell which pipeline to take the skipped stages' artifacts from; the job goes on without them (HEALER_STRICT=1 makes this an error)"],
        `${job}: restore ran and warned, nothing else`,
      );
    }
    assert.deepEqual(sentinel.requests, [], 'no request');
    await assert.rejects(readFile(join(repo, 'built.txt')), 'build did not run');
    assert.equal((await readFile(join(repo, 'deployed.txt'), 'utf8')).trim(), 'deployed');
    const pipelines = await readdir(state);
    assert.equal(pipelines.length, 1, 'one pipeline record');
    const record = JSON.parse(await readFile(join(state, pipelines[0]!, '.ci-progress.json'), 'utf8'));
    assert.deepEqual(Object.keys(record.jobs).sort(), ['deploy', 'test']);
    assert.equal(record.jobs.test.status, 'done');
    assert.equal(record.jobs.deploy.status, 'done');
    assert.deepEqual(record.stage_order, ['.pre', 'build', 'test', 'deploy', '.post']);
    assert.equal(record.lineage?.resume_stage, 'test');
  });
});

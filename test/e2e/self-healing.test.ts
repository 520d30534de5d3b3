/**
 * Self-healing end to end, on a real CI executor. A temporary git repository holds a 3-stage pipeline
 * (build → test → deploy; test needs build; build produces dist/ as an artifact), made resumable by `healer init`.
 * gitlab-ci-local (shell executor) runs every pipeline the fake GitLab creates, in a fresh clone, with the variables
 * healer posted; the jobs record their progress with the built healer binary; `healer scan` runs as cron would run
 * it (thresholds lowered to seconds through its configuration).
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FakeGitLab } from '../../src/sim/gitlab/server.js';
import { BIN, runCli, tempDir, type CliResult } from '../helpers/cli.js';
import { gitCommitAll, gitRepo } from '../helpers/gitlab-ci-local.js';
import { readRecord, sleep } from '../helpers/records.js';
import { GclRunner } from './gcl-runner.js';

const API_TOKEN = 'glpat-e2e-api-CANARY-7f3a91';
const JOB_TOKEN = 'glcbt-e2e-job-CANARY-52d0c4';
const STUCK_SECONDS = 2;
/** Records have second precision: past the threshold by a full second. */
const PAST_THRESHOLD_MS = (STUCK_SECONDS + 1.3) * 1000;

const buildJob = `build:
  stage: build
  script:
    - mkdir -p dist && echo "artifact from build" > dist/out.txt
  artifacts:
    paths: [dist/]
`;
const deployJob = `deploy:
  stage: deploy
  script:
    - echo "deployed"
`;

/** test hangs in the original pipeline only (its runner will "disconnect"); it needs build's output. */
const HANGS_ONCE = `stages: [build, test, deploy]
${buildJob}test:
  stage: test
  needs: [build]
  script:
    - if [ "\${HEALER_ATTEMPT:-0}" = "0" ]; then echo "test hangs"; sleep 600; fi
    - cat dist/out.txt
${deployJob}`;

/** test hangs every time. */
const HANGS_ALWAYS = `stages: [build, test, deploy]
${buildJob}test:
  stage: test
  needs: [build]
  script:
    - echo "test hangs"
    - sleep 600
${deployJob}`;

interface ScanJson {
  ok: boolean;
  counts: { records: number; actions: number };
  actions: Array<{ pipeline_id: number; status: string; stage: string; cancel: string; reason: string; new_pipeline: { id: number } | null }>;
  skipped: Array<{ pipeline_id: number; code: string; reason: string; notify: boolean }>;
}

interface World {
  fake: FakeGitLab;
  runner: GclRunner;
  stateDir: string;
  scan(args?: string[]): Promise<{ result: CliResult; report: ScanJson }>;
  /** `healer scan` as cron runs it: no --json, stdout not a terminal. */
  cron(): Promise<CliResult>;
  close(): Promise<void>;
}

async function world(ci: string): Promise<World> {
  const { dir, cleanup } = await tempDir('healer-e2e-');
  const repo = join(dir, 'repo');
  const stateDir = join(dir, 'state');
  const home = join(dir, 'gcl-home');
  const workRoot = join(dir, 'runs');
  for (const folder of [repo, stateDir, home, workRoot]) await mkdir(folder);
  await gitRepo(repo, ci);
  const init = await runCli(['init', '--command', `node ${BIN}`], { cwd: repo });
  assert.equal(init.code, 0, init.stderr);
  await gitCommitAll(repo, 'healer init');

  const fake = await FakeGitLab.start();
  fake.state.addProject({ id: 42, path: 'group/app', refs: ['main'], apiTokens: [API_TOKEN], jobTokens: [JOB_TOKEN] });
  const runner = new GclRunner({ fake, repo, workRoot, home, stateDir, jobToken: JOB_TOKEN });
  const env = {
    HEALER_STATE_DIR: stateDir,
    GITLAB_URL: fake.url,
    GITLAB_TOKEN: API_TOKEN,
    HEALER_STUCK_THRESHOLD: `${STUCK_SECONDS}s`,
    MAX_RETRY_COUNT: '2',
    HEALER_MAX_PIPELINE_AGE: '1h',
    HEALER_REQUEST_TIMEOUT: '10s',
    HEALER_RETRY_BASE: '20ms',
  };
  return {
    fake,
    runner,
    stateDir,
    async scan(args = []) {
      const result = await runCli(['scan', '--json', ...args], { env, cwd: dir });
      for (const text of [result.stdout, result.stderr]) {
        assert.ok(!text.includes(API_TOKEN) && !text.includes(JOB_TOKEN), 'no token in the watchdog output');
      }
      return { result, report: JSON.parse(result.stdout) as ScanJson };
    },
    cron: () => runCli(['scan'], { env, cwd: dir }),
    async close() {
      await runner.stopAll();
      await fake.close();
      await cleanup();
    },
  };
}

/** Start a pipeline and wait until its test job hangs (it has recorded in_progress and prints, then sleeps). */
async function hungPipeline(w: World, pipelineId?: number): Promise<number> {
  const id = pipelineId ?? (await w.runner.push(42)).id;
  await w.runner.waitForOutput(id, 'test hangs');
  const record = await readRecord(w.stateDir, id);
  assert.equal(record.jobs.test?.status, 'in_progress');
  return id;
}

function jobsOf(w: World, pipelineId: number): string[] {
  return w.fake.state.jobsOf(pipelineId).map((j) => j.name).sort();
}

describe('self-healing end to end (gitlab-ci-local as the runner)', { concurrency: false }, () => {
  it('a runner that disconnects mid-test: scan cancels, resumes from test, the resumed pipeline restores build\'s output and passes', async () => {
    const w = await world(HANGS_ONCE);
    try {
      const first = await hungPipeline(w);
      await w.runner.disconnect(first);
      assert.equal(w.fake.state.pipelines.get(first)?.status, 'running', 'GitLab still thinks it runs');
      assert.equal((await readRecord(w.stateDir, first)).jobs.test?.status, 'in_progress', 'the record keeps in_progress');
      await sleep(PAST_THRESHOLD_MS);

      const { result, report } = await w.scan();
      assert.equal(result.code, 0, result.stderr);
      assert.equal(report.actions.length, 1, JSON.stringify(report));
      const action = report.actions[0]!;
      assert.equal(action.pipeline_id, first);
      assert.equal(action.stage, 'test');
      assert.equal(action.cancel, 'canceled');
      assert.match(action.reason, /stuck: job test/);
      assert.equal(w.fake.state.pipelines.get(first)?.status, 'canceled', 'the stuck pipeline is canceled before the resume');

      const resumed = action.new_pipeline!.id;
      const variables = Object.fromEntries(w.fake.state.pipelines.get(resumed)!.variables.map((v) => [v.key, v.value]));
      assert.deepEqual(variables, { RESUME_STAGE: 'test', HEALER_ROOT_PIPELINE_ID: String(first), HEALER_PARENT_PIPELINE_ID: String(first), HEALER_ATTEMPT: '1' });
      assert.equal(await w.runner.settled(resumed), 'success', w.runner.output(resumed));
      assert.deepEqual(jobsOf(w, resumed), ['deploy', 'test'], 'only test and every stage after it ran');
      assert.match(w.runner.output(resumed), /test\s+> artifact from build/, "the resumed test job found build's output");
      const record = await readRecord(w.stateDir, resumed);
      assert.equal(record.jobs.test?.status, 'done');
      assert.equal(record.jobs.deploy?.status, 'done');
      assert.equal(record.jobs.build, undefined);
      assert.deepEqual(record.lineage, { root_pipeline_id: first, parent_pipeline_id: first, attempt: 1, resume_stage: 'test' });
      const old = await readRecord(w.stateDir, first);
      assert.equal(old.resumes?.length, 1);
      assert.equal(old.resumes?.[0]?.state, 'triggered');
      assert.equal(old.resumes?.[0]?.pipeline_id, resumed);

      const again = await w.scan();
      assert.equal(again.result.code, 0, again.result.stderr);
      assert.equal(again.report.actions.length, 0, 'a second scan does nothing');
      assert.equal(w.fake.state.pipelines.size, 2);
    } finally {
      await w.close();
    }
  });

  it('a job that hangs every time is resumed exactly MAX_RETRY_COUNT times over the lineage, then reported and left', async () => {
    const w = await world(HANGS_ALWAYS);
    try {
      let current = await hungPipeline(w);
      const lineage = [current];
      for (let resume = 1; resume <= 2; resume += 1) {
        await sleep(PAST_THRESHOLD_MS);
        const { result, report } = await w.scan();
        assert.equal(result.code, 0, result.stderr);
        assert.equal(report.actions.length, 1, JSON.stringify(report));
        assert.equal(report.actions[0]!.pipeline_id, current);
        current = report.actions[0]!.new_pipeline!.id;
        lineage.push(current);
        await w.runner.started(current);
        await hungPipeline(w, current);
        assert.equal((await readRecord(w.stateDir, current)).lineage?.attempt, resume);
      }
      await sleep(PAST_THRESHOLD_MS);
      const { result, report } = await w.scan();
      assert.equal(result.code, 0, 'a limit reached is reported, not an error');
      assert.equal(report.actions.length, 0);
      const limit = report.skipped.find((s) => s.pipeline_id === current);
      assert.equal(limit?.code, 'retry_limit', JSON.stringify(report.skipped));
      assert.equal(limit?.notify, true, 'the operator is told');
      assert.match(limit?.reason ?? '', /used 2 of 2 resumes \(MAX_RETRY_COUNT\)/);
      const cron = await w.cron();
      assert.equal(cron.code, 0, cron.stderr);
      assert.match(cron.stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ .*MAX_RETRY_COUNT/m, 'cron output: one timestamped line');
      assert.equal(w.fake.state.pipelines.size, 3, 'the root and exactly two resumes');
      assert.deepEqual([...w.fake.state.pipelines.keys()], lineage);
      assert.equal(w.fake.state.pipelines.get(current)?.status, 'running', 'the last one is left alone');
    } finally {
      await w.close();
    }
  });

  it('a pipeline canceled by a person is never resumed', async () => {
    const w = await world(HANGS_ALWAYS);
    try {
      const id = await hungPipeline(w);
      w.fake.state.cancel(id); // the Cancel button: GitLab marks it canceled, the runner stops the job
      assert.equal(await w.runner.settled(id), 'canceled');
      assert.equal((await readRecord(w.stateDir, id)).jobs.test?.status, 'in_progress', 'killed before its after_script');
      await sleep(PAST_THRESHOLD_MS);
      const { result, report } = await w.scan();
      assert.equal(result.code, 0, result.stderr);
      assert.equal(report.actions.length, 0);
      assert.equal(w.fake.state.pipelines.size, 1, 'nothing was created');
      assert.equal(w.fake.requestsTo('POST', /\/pipeline$/).length, 0);
    } finally {
      await w.close();
    }
  });

  it('two scans started at the same moment resume the stuck pipeline once', async () => {
    const w = await world(HANGS_ALWAYS);
    try {
      const id = await hungPipeline(w);
      await sleep(PAST_THRESHOLD_MS);
      const [a, b] = await Promise.all([w.scan(), w.scan()]);
      assert.equal(a.result.code, 0, a.result.stderr);
      assert.equal(b.result.code, 0, b.result.stderr);
      assert.equal(a.report.actions.length + b.report.actions.length, 1, `${JSON.stringify(a.report)}\n${JSON.stringify(b.report)}`);
      assert.equal(w.fake.requestsTo('POST', /\/pipeline$/).length, 1, 'one create request in all');
      assert.equal(w.fake.state.pipelines.size, 2);
      assert.equal((await readRecord(w.stateDir, id)).resumes?.length, 1);
    } finally {
      await w.close();
    }
  });
});

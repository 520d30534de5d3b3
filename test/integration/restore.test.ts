/**
 * `healer restore` through the real binary against the artifact server serving real zip files: which artifacts for
 * which job, the no-op of a normal pipeline, GitLab's refusals, redirects, time bounds, and the canary token.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { buildZip, startArtifactServer } from '../helpers/artifact-server.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { CANARY, resumedPipeline, snapshot, type Scenario } from '../helpers/restore-scenario.js';
import { MINUTE, v1Record, writeRecordFile } from '../helpers/records.js';

let zips: Record<number, Buffer>;
before(async () => {
  zips = {
    901: await buildZip([{ name: 'dist/', dir: true }, { name: 'dist/linux/app', data: 'linux build\n', mode: 0o100755 }]),
    902: await buildZip([{ name: 'dist/win/app.exe', data: 'windows build\n' }]),
    903: await buildZip([{ name: 'reports/lint.txt', data: 'no problems\n' }]),
  };
});

async function withScenario(body: (s: Scenario) => Promise<void>): Promise<void> {
  const s = await resumedPipeline();
  try {
    await body(s);
  } finally {
    await s.cleanup();
  }
}

function noCanary(result: CliResult): void {
  assert.ok(!result.stdout.includes(CANARY) && !result.stderr.includes(CANARY), 'the job token appears in the output');
}

const artifactRequests = (s: Scenario) => s.server.requests.filter((r) => r.path.includes('/artifacts')).map((r) => r.path.split('/')[6]);

test('a normal pipeline restores nothing, quickly: one line, no state read, no request', async () => {
  await withScenario(async (s) => {
    for (const resume of [undefined, '']) {
      const result = await runCli(['restore'], { env: { ...s.env, RESUME_STAGE: resume, HEALER_STATE_DIR: '/nonexistent/state' } });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, 'healer restore: nothing to restore: not a resumed pipeline (RESUME_STAGE is not set)\n');
      assert.equal(result.stderr, '');
    }
    const first = await runCli(['restore'], { env: { ...s.env, RESUME_STAGE: 'build', HEALER_STATE_DIR: '/nonexistent/state' } });
    assert.equal(first.code, 0);
    assert.match(first.stdout, /resumed at the first stage \(build\): nothing was skipped/);
    assert.deepEqual(s.server.requests, []);
    assert.deepEqual(await snapshot(s.project), []);
  });
});

test('a resumed test job gets every build job\'s artifacts, a job without artifacts is a warning', async () => {
  await withScenario(async (s) => {
    s.server.answerJob(42, 901, { kind: 'zip', body: zips[901]! });
    s.server.answerJob(42, 902, { kind: 'zip', body: zips[902]! });
    s.server.answerJob(42, 903, { kind: 'status', status: 404 });
    const result = await runCli(['restore', '--verbose'], { env: s.env });
    assert.equal(result.code, 0, result.stderr);
    noCanary(result);
    assert.equal(await readFile(join(s.project, 'dist/linux/app'), 'utf8'), 'linux build\n');
    assert.equal(await readFile(join(s.project, 'dist/win/app.exe'), 'utf8'), 'windows build\n');
    assert.deepEqual(artifactRequests(s).sort(), ['901', '902', '903'], 'only the skipped stage\'s jobs, not unit (904)');
    for (const req of s.server.requests) assert.equal(req.headers['job-token'], CANARY, 'sent as JOB-TOKEN');
    assert.match(result.stderr, /warning: lint \(job 903, pipeline 100\) has no artifacts to download \(404\)/);
    assert.match(result.stdout, /restored the artifacts of 2 job\(s\) of build into /);
    const files = await snapshot(s.project);
    assert.ok(!files.some((f) => f.startsWith('.healer-restore-')), 'the staging folder is removed');
  });
});

test('HEALER_NEEDS limits the artifacts to the job\'s needs; [] means none', async () => {
  await withScenario(async (s) => {
    s.server.answerJob(42, 901, { kind: 'zip', body: zips[901]! });
    s.server.answerJob(42, 902, { kind: 'zip', body: zips[902]! });
    const result = await runCli(['restore', '--json'], { env: { ...s.env, HEALER_NEEDS: '["build-linux","unit"]' } });
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout);
    assert.deepEqual(report.sources.map((x: { job: string; status: string }) => [x.job, x.status]), [['build-linux', 'restored']]);
    assert.deepEqual(report.ignored.map((x: { job: string }) => x.job), ['unit']);
    assert.deepEqual(artifactRequests(s), ['901']);
    assert.deepEqual(await snapshot(s.project).then((f) => f.filter((p) => p.startsWith('dist/win'))), []);

    const none = await runCli(['restore'], { env: { ...s.env, HEALER_NEEDS: '[]' } });
    assert.equal(none.code, 0, none.stderr);
    assert.deepEqual(artifactRequests(s), ['901'], 'no request for needs: []');

    const bad = await runCli(['restore'], { env: { ...s.env, HEALER_NEEDS: 'build-linux' } });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /HEALER_NEEDS is not JSON/);
  });
});

test('the latest successful run across the lineage is used, from the grandparent when the parent skipped build', async () => {
  await withScenario(async (s) => {
    await writeRecordFile(s.state, 101, v1Record({
      id: 101, root: 100, parent: 100, attempt: 1, resumeStage: 'test',
      jobs: { unit: { stage: 'test', status: 'in_progress', id: 1004, updatedAgo: 15 * MINUTE } },
    }));
    s.server.answerJob(42, 901, { kind: 'zip', body: zips[901]! });
    const env = { ...s.env, HEALER_PARENT_PIPELINE_ID: '101', HEALER_ATTEMPT: '2', CI_PIPELINE_ID: '102', HEALER_NEEDS: '["build-linux"]' };
    const result = await runCli(['restore'], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await readFile(join(s.project, 'dist/linux/app'), 'utf8'), 'linux build\n');
  });
});

test('a deploy job of a resume from test gets build\'s artifacts too, without the stage order variable', async () => {
  await withScenario(async (s) => {
    s.server.answerJob(42, 901, { kind: 'zip', body: zips[901]! });
    s.server.answerJob(42, 902, { kind: 'zip', body: zips[902]! });
    s.server.answerJob(42, 903, { kind: 'zip', body: zips[903]! });
    const env = { ...s.env, CI_JOB_STAGE: 'deploy', HEALER_STAGES: undefined } as Record<string, string | undefined>;
    const result = await runCli(['restore'], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await readFile(join(s.project, 'reports/lint.txt'), 'utf8'), 'no problems\n');
  });
});

test('--dry-run lists the downloads and makes none', async () => {
  await withScenario(async (s) => {
    const result = await runCli(['restore', '--dry-run'], { env: s.env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /would download the artifacts of build-linux \(job 901, pipeline 100\), stage build/);
    assert.match(result.stdout, /lint \(job 903, pipeline 100\)/);
    assert.deepEqual(s.server.requests, []);
    assert.deepEqual(await snapshot(s.project), []);
  });
});

test('expired artifacts (410) and none (404): warnings by default; --strict fails and writes nothing', async () => {
  await withScenario(async (s) => {
    s.server.answerJob(42, 901, { kind: 'zip', body: zips[901]! });
    s.server.answerJob(42, 902, { kind: 'status', status: 410 });
    s.server.answerJob(42, 903, { kind: 'status', status: 404 });
    const lenient = await runCli(['restore'], { env: { ...s.env, HEALER_NEEDS: '["build-linux","build-win"]' } });
    assert.equal(lenient.code, 0, lenient.stderr);
    assert.match(lenient.stderr, /warning: the artifacts of build-win \(job 902, pipeline 100\) have expired \(410 Gone\); the job goes on without them/);

    const s2 = await resumedPipeline();
    try {
      s2.server.answerJob(42, 901, { kind: 'zip', body: zips[901]! });
      s2.server.answerJob(42, 902, { kind: 'zip', body: zips[902]! });
      s2.server.answerJob(42, 903, { kind: 'status', status: 404 });
      const strict = await runCli(['restore', '--strict'], { env: s2.env });
      assert.equal(strict.code, 1);
      assert.match(strict.stderr, /error: lint \(job 903, pipeline 100\) has no artifacts to download \(404\): it kept none, or they expired or were deleted/);
      assert.deepEqual(await snapshot(s2.project), [], 'all or nothing: build-linux was not written either');
      noCanary(strict);
    } finally {
      await s2.cleanup();
    }
  });
});

test('refused access names the token to fix; the token is never printed, even with --verbose', async () => {
  await withScenario(async (s) => {
    s.server.answerJob(42, 901, { kind: 'status', status: 403, body: '{"message":"403 Forbidden"}' });
    const forbidden = await runCli(['restore', '--verbose'], { env: { ...s.env, HEALER_NEEDS: '["build-linux"]' } });
    assert.equal(forbidden.code, 1);
    assert.match(forbidden.stderr, /GitLab refused the artifacts of build-linux \(job 901, pipeline 100\): CI_JOB_TOKEN may not read them \(403 Forbidden\)/);
    assert.match(forbidden.stderr, /Job token permissions/);
    noCanary(forbidden);

    const wrong = await runCli(['restore', '--verbose'], { env: { ...s.env, GITLAB_TOKEN: `${CANARY}-personal`, HEALER_NEEDS: '["build-linux"]' } });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /GITLAB_TOKEN was not accepted \(401 Unauthorized\)/);
    assert.equal(s.server.requests.at(-1)!.headers['private-token'], `${CANARY}-personal`);
    noCanary(wrong);
    assert.deepEqual(await snapshot(s.project), []);
  });
});

test('a redirect to object storage on another origin is followed without the token; plain http elsewhere is refused', async () => {
  await withScenario(async (s) => {
    const cdn = await startArtifactServer();
    try {
      cdn.answerPath('/bucket/901.zip', { kind: 'zip', body: zips[901]! });
      s.server.answerJob(42, 901, { kind: 'redirect', location: `${cdn.origin}/bucket/901.zip` });
      const result = await runCli(['restore'], { env: { ...s.env, HEALER_NEEDS: '["build-linux"]' } });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(await readFile(join(s.project, 'dist/linux/app'), 'utf8'), 'linux build\n');
      assert.equal(cdn.requests.length, 1);
      assert.equal(cdn.requests[0]!.headers['job-token'], undefined, 'the token never leaves the API origin');
      assert.equal(cdn.requests[0]!.headers['private-token'], undefined);

      s.server.answerJob(42, 902, { kind: 'redirect', location: 'http://objects.example.invalid/902.zip' });
      const insecure = await runCli(['restore'], { env: { ...s.env, HEALER_NEEDS: '["build-win"]' } });
      assert.equal(insecure.code, 1);
      assert.match(insecure.stderr, /refusing to follow a redirect .* to http:\/\/objects\.example\.invalid \(not https\)/);
    } finally {
      await cdn.close();
    }
  });
});

test('downloads are bounded in time: a slow answer and a stalled body end with a clear message', async () => {
  await withScenario(async (s) => {
    s.server.answerJob(42, 901, { kind: 'slow', delayMs: 20_000, then: { kind: 'zip', body: zips[901]! } });
    const slow = await runCli(['restore', '--timeout', '1s'], { env: { ...s.env, HEALER_NEEDS: '["build-linux"]' } });
    assert.equal(slow.code, 1);
    assert.match(slow.stderr, /downloading the artifacts of build-linux \(job 901, pipeline 100\) timed out after 1s/);

    s.server.answerJob(42, 902, { kind: 'stall', body: zips[902]!, afterBytes: 20 });
    const stalled = await runCli(['restore'], { env: { ...s.env, HEALER_NEEDS: '["build-win"]', HEALER_RESTORE_TIMEOUT: '1s' } });
    assert.equal(stalled.code, 1);
    assert.match(stalled.stderr, /build-win .*(stalled or ran out of time|timed out)/);
    assert.deepEqual(await snapshot(s.project), []);
  });
});

test('an archive larger than the download limit is refused before it is stored', async () => {
  await withScenario(async (s) => {
    s.server.answerJob(42, 901, { kind: 'zip', body: zips[901]! });
    const result = await runCli(['restore', '--max-download', '100'], { env: { ...s.env, HEALER_NEEDS: '["build-linux"]' } });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /larger than the download limit of 100 B/);
    assert.deepEqual(await snapshot(s.project), []);
  });
});

test('nothing to find: no parent variable or no record is a warning, an error with --strict', async () => {
  await withScenario(async (s) => {
    const noParent = await runCli(['restore'], { env: { ...s.env, HEALER_PARENT_PIPELINE_ID: undefined } as Record<string, string | undefined> });
    assert.equal(noParent.code, 0);
    assert.match(noParent.stderr, /warning: RESUME_STAGE is set but HEALER_PARENT_PIPELINE_ID is not/);
    const noRecord = await runCli(['restore', '--strict'], { env: { ...s.env, HEALER_PARENT_PIPELINE_ID: '777' } });
    assert.equal(noRecord.code, 1);
    assert.match(noRecord.stderr, /error: no record of pipeline 777 in /);
    const badStage = await runCli(['restore'], { env: { ...s.env, RESUME_STAGE: 'tset' } });
    assert.equal(badStage.code, 2);
    assert.match(badStage.stderr, /RESUME_STAGE "tset" is not one of the stages \(build, test, deploy\)/);
    assert.deepEqual(s.server.requests, []);
  });
});

/** The artifact download on its own, against the artifact server: retries, redirects and the token's reach. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { HealerError } from '../../src/errors.js';
import { apiBaseFromEnv, artifactAuthFromEnv } from '../../src/gitlab/artifact-auth.js';
import { downloadArtifacts, MissingArtifactsError, type DownloadRequest } from '../../src/gitlab/artifact-download.js';
import { Redactor } from '../../src/redact.js';
import { startArtifactServer, type Answer } from '../helpers/artifact-server.js';
import { tempDir } from '../helpers/cli.js';

const TOKEN = 'glpat-download-CANARY-11aa';

async function withServer(body: (ctx: { server: Awaited<ReturnType<typeof startArtifactServer>>; req: (extra?: Partial<DownloadRequest>) => DownloadRequest; dir: string; sleeps: number[] }) => Promise<void>) {
  const server = await startArtifactServer({ privateToken: TOKEN });
  const { dir, cleanup } = await tempDir('healer-dl-');
  const sleeps: number[] = [];
  try {
    await body({
      server,
      dir,
      sleeps,
      req: (extra = {}) => ({
        apiBase: new URL(server.apiUrl),
        projectId: 'group/app',
        jobId: 7,
        label: 'build (job 7, pipeline 1)',
        auth: { header: 'PRIVATE-TOKEN', token: TOKEN, source: 'GITLAB_TOKEN' },
        dest: join(dir, 'a.zip'),
        maxBytes: 1024 * 1024,
        timeoutMs: 10_000,
        sleep: async (ms) => {
          sleeps.push(ms);
        },
        ...extra,
      }),
    });
  } finally {
    await server.close();
    await cleanup();
  }
}

test('a URL-encoded project path, the token as a header, the body streamed to the file', async () => {
  await withServer(async ({ server, req, dir }) => {
    server.answerJob('group/app', 7, { kind: 'zip', body: Buffer.from('PK-not-really') });
    const result = await downloadArtifacts(req());
    assert.equal(result.bytes, 13);
    assert.equal(await readFile(join(dir, 'a.zip'), 'utf8'), 'PK-not-really');
    assert.equal(server.requests[0]!.path, '/api/v4/projects/group%2Fapp/jobs/7/artifacts');
    assert.equal(server.requests[0]!.headers['private-token'], TOKEN);
  });
});

test('429 and 5xx are retried with backoff, honouring Retry-After; a GET is safe to repeat', async () => {
  await withServer(async ({ server, req, sleeps }) => {
    let calls = 0;
    const answers: Answer[] = [
      { kind: 'status', status: 503 },
      { kind: 'status', status: 429 },
      { kind: 'zip', body: Buffer.from('ok') },
    ];
    const fetchImpl: typeof fetch = async (input, init) => {
      server.answerJob('group/app', 7, answers[calls++]!);
      const res = await fetch(input, init);
      if (res.status === 429) return new Response(null, { status: 429, headers: { 'retry-after': '3' } });
      return res;
    };
    const result = await downloadArtifacts(req({ fetchImpl, backoffMs: 10 }));
    assert.equal(result.bytes, 2);
    assert.equal(calls, 3);
    assert.equal(sleeps.length, 2);
    assert.ok(sleeps[0]! >= 5 && sleeps[0]! <= 10, `backoff ${sleeps[0]}`);
    assert.equal(sleeps[1], 3000, 'Retry-After: 3');

    server.answerJob('group/app', 7, { kind: 'status', status: 502 });
    await assert.rejects(downloadArtifacts(req({ backoffMs: 1 })), /cannot download the artifacts of build \(job 7, pipeline 1\): HTTP 502 after 3 attempts/);
  });
});

test('404 and 410 are MissingArtifactsError; 400 is not retried', async () => {
  await withServer(async ({ server, req, sleeps }) => {
    server.answerJob('group/app', 7, { kind: 'status', status: 404 });
    await assert.rejects(downloadArtifacts(req()), (e) => e instanceof MissingArtifactsError && e.status === 404);
    server.answerJob('group/app', 7, { kind: 'status', status: 410 });
    await assert.rejects(downloadArtifacts(req()), (e) => e instanceof MissingArtifactsError && /expired/.test(e.message));
    server.answerJob('group/app', 7, { kind: 'status', status: 400 });
    await assert.rejects(downloadArtifacts(req()), /GitLab answered HTTP 400/);
    assert.deepEqual(sleeps, []);
  });
});

test('redirects: the token stays on the API origin, even when a later hop comes back; loops are cut', async () => {
  await withServer(async ({ server, req }) => {
    const cdn = await startArtifactServer();
    try {
      // API → CDN → back to the API's origin (a path that needs no token): no token after leaving the origin.
      server.answerJob('group/app', 7, { kind: 'redirect', location: `${cdn.origin}/hop` });
      cdn.answerPath('/hop', { kind: 'redirect', location: `${server.origin}/storage/7.zip`, status: 307 });
      server.answerPath('/storage/7.zip', { kind: 'zip', body: Buffer.from('zip') });
      await downloadArtifacts(req());
      const storage = server.requests.find((r) => r.path === '/storage/7.zip')!;
      assert.equal(storage.headers['private-token'], undefined);
      assert.equal(cdn.requests[0]!.headers['private-token'], undefined);

      server.answerJob('group/app', 7, { kind: 'redirect', location: `${server.origin}/loop` });
      server.answerPath('/loop', { kind: 'redirect', location: `${server.origin}/loop` });
      await assert.rejects(downloadArtifacts(req()), /too many redirects/);
    } finally {
      await cdn.close();
    }
  });
});

test('tokens: an explicit API token wins over the job token, files are read and trimmed, all are redacted', async () => {
  const redactor = new Redactor();
  const auth = await artifactAuthFromEnv({ CI_JOB_TOKEN: 'job-token-value', GITLAB_TOKEN: ' api-token-value\n' }, redactor);
  assert.deepEqual(auth, { header: 'PRIVATE-TOKEN', token: 'api-token-value', source: 'GITLAB_TOKEN' });
  assert.equal(redactor.redact('job-token-value api-token-value'), '[REDACTED] [REDACTED]');
  const { dir, cleanup } = await tempDir();
  try {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dir, 'token'), 'file-token-value\n');
    const fromFile = await artifactAuthFromEnv({ GITLAB_TOKEN_FILE: join(dir, 'token'), CI_JOB_TOKEN: 'x-job' }, redactor);
    assert.equal(fromFile.token, 'file-token-value');
    assert.equal(redactor.redact('file-token-value'), '[REDACTED]');
    await assert.rejects(artifactAuthFromEnv({ GITLAB_TOKEN_FILE: join(dir, 'none') }, redactor), (e) => e instanceof HealerError && e.exitCode === 2);
  } finally {
    await cleanup();
  }
  const job = await artifactAuthFromEnv({ CI_JOB_TOKEN: 'job-token-value' }, redactor);
  assert.equal(job.header, 'JOB-TOKEN');
  await assert.rejects(artifactAuthFromEnv({}, redactor), /no token to download artifacts/);
});

test('the API base: GITLAB_URL, else CI_API_V4_URL, else CI_SERVER_URL', () => {
  assert.equal(apiBaseFromEnv({ GITLAB_URL: 'https://gl.example.com/', CI_API_V4_URL: 'https://other/api/v4' }).href, 'https://gl.example.com/api/v4');
  assert.equal(apiBaseFromEnv({ CI_API_V4_URL: 'https://gitlab.com/api/v4' }).href, 'https://gitlab.com/api/v4');
  assert.equal(apiBaseFromEnv({ CI_SERVER_URL: 'https://gl.example.com/gitlab' }).href, 'https://gl.example.com/gitlab/api/v4');
  assert.throws(() => apiBaseFromEnv({ GITLAB_URL: 'https://user:pw@gl.example.com' }), /must not carry credentials/);
  assert.throws(() => apiBaseFromEnv({}), /no GitLab URL/);
});

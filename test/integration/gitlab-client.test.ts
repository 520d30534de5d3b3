/**
 * The GitLab client against the fake GitLab over real HTTP: retries and backoff (with an injected clock, so the
 * schedule is asserted without waiting), time limits, never creating a pipeline twice, and refusals that name the
 * setting to fix.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { lineageVariables } from '../../src/core/lineage.js';
import { realClock, type Clock } from '../../src/gitlab/backoff.js';
import { GitLabClient, type ClientOptions } from '../../src/gitlab/client.js';
import { GitLabError } from '../../src/gitlab/errors.js';
import { startPipeline } from '../../src/gitlab/start-pipeline.js';
import { FakeGitLab } from '../../src/sim/gitlab/server.js';
import { stuckRecord } from '../helpers/scan-records.js';

const API = 'api-token-client-test';
const TRIGGER = 'trigger-token-client-test';

function fakeClock(): Clock & { waits: number[] } {
  let t = Date.now();
  const waits: number[] = [];
  return { waits, now: () => t, sleep: async (ms) => void (waits.push(ms), (t += ms)), random: () => 0.5 };
}

describe('GitLab client', () => {
  let fake: FakeGitLab;
  let clock: ReturnType<typeof fakeClock>;
  const clients: GitLabClient[] = [];
  const client = (extra: Partial<ClientOptions> = {}) => {
    const c = new GitLabClient({ baseUrl: fake.url, apiToken: API, triggerToken: TRIGGER, requestTimeoutMs: 2000, clock, ...extra });
    clients.push(c);
    return c;
  };
  const variables = lineageVariables(stuckRecord(100, Date.now()), 'test', 1);
  const request = { project: '42', ref: 'main', variables, via: 'create' as const, parentId: 100 };
  const posts = () => fake.requests.filter((r) => r.method === 'POST');

  before(async () => {
    fake = await FakeGitLab.start();
  });
  after(async () => {
    for (const c of clients) c.close();
    await fake.close();
  });
  beforeEach(() => {
    fake.clearFaults();
    fake.state.projects.clear();
    fake.state.pipelines.clear();
    fake.state.jobs.clear();
    fake.state.addProject({ id: 42, path: 'group/app', refs: ['main'], apiTokens: [API], triggerTokens: [TRIGGER] });
    fake.state.addPipeline({ id: 100, projectId: 42, jobs: [{ name: 'unit', stage: 'test', status: 'running' }] });
    fake.requests.length = 0;
    clock = fakeClock();
  });

  describe('reads', () => {
    it('wait as long as Retry-After says on 429, then succeed', async () => {
      fake.fault({ method: 'GET', path: /pipelines\/100$/, status: 429, headers: { 'retry-after': '7' }, body: 'Retry later' });
      const pipeline = await client().getPipeline('42', 100);
      assert.equal(pipeline.status, 'running');
      assert.deepEqual(clock.waits, [7000]);
    });

    it('back off exponentially with jitter on 5xx', async () => {
      fake.fault({ method: 'GET', path: /pipelines\/100$/, status: 503, times: 2 });
      await client().getPipeline('42', 100);
      assert.deepEqual(clock.waits, [375, 750]); // (base·2^n)/2 + random(0.5)·(base·2^n)/2 with base 500
    });

    it('give up after the last attempt, and never wait out a very long Retry-After', async () => {
      fake.fault({ method: 'GET', path: /pipelines\/100$/, status: 500, times: 10 });
      await assert.rejects(client().getPipeline('42', 100), (e: GitLabError) => e.code === 'server' && e.status === 500);
      assert.equal(fake.requests.length, 4);
      fake.clearFaults();
      fake.fault({ method: 'GET', path: /pipelines\/100$/, status: 429, headers: { 'retry-after': '3600' } });
      await assert.rejects(client().getPipeline('42', 100), (e: GitLabError) => e.code === 'rate_limited');
      assert.deepEqual(clock.waits, [375, 750, 1500], 'no hour-long wait');
    });

    it('start no request after the scan deadline', async () => {
      fake.fault({ method: 'GET', path: /pipelines\/100$/, status: 502, times: 10 });
      await assert.rejects(client({ deadline: clock.now() + 1000 }).getPipeline('42', 100), GitLabError);
      assert.ok(fake.requests.length <= 3, `sent ${fake.requests.length}`);
      await assert.rejects(client({ deadline: clock.now() - 1 }).getPipeline('42', 100), (e: GitLabError) => e.code === 'deadline');
    });

    it('time out a slow answer (per-request limit) and retry it', async () => {
      fake.fault({ method: 'GET', path: /pipelines\/100$/, delayMs: 1500, times: 2 });
      const c = client({ requestTimeoutMs: 150, retry: { maxAttempts: 2 } });
      await assert.rejects(c.getPipeline('42', 100), (e: GitLabError) => e.code === 'timeout' && /within 0\.2s|within 0\.1s/.test(e.message) && /HEALER_REQUEST_TIMEOUT/.test(e.hint ?? ''));
      assert.equal(fake.requests.length, 2);
    });

    it('do not retry what cannot change: 404', async () => {
      await assert.rejects(client().getPipeline('42', 999), (e: GitLabError) => e.code === 'not_found' && /GITLAB_PROJECT_ID/.test(e.hint ?? ''));
      assert.equal(fake.requests.length, 1);
    });

    it('page through long job lists and URL-encode project paths', async () => {
      for (let i = 0; i < 150; i += 1) fake.state.addJob(100, { name: `job-${i}`, stage: 'test', status: 'success' });
      const jobs = await client().listPipelineJobs('group/app', 100);
      assert.equal(jobs.length, 151);
      assert.deepEqual(fake.requests.map((r) => r.url), [
        '/api/v4/projects/group%2Fapp/pipelines/100/jobs?per_page=100&page=1',
        '/api/v4/projects/group%2Fapp/pipelines/100/jobs?per_page=100&page=2',
      ]);
    });
  });

  describe('starting a pipeline is never done twice', () => {
    it('502 after GitLab created it: found by its lineage variables, not sent again', async () => {
      fake.fault({ method: 'POST', path: /\/pipeline$/, status: 502, after: true });
      const started = await startPipeline(client(), request, { clock });
      assert.equal(started.recovered, true);
      assert.equal(posts().length, 1);
      assert.equal(fake.state.pipelines.size, 2);
      assert.ok(fake.requests.some((r) => /\/pipelines\/\d+\/variables$/.test(r.path)), 'looked at the variables');
      const list = fake.requests.find((r) => r.method === 'GET' && r.path.endsWith('/pipelines'))!;
      assert.equal(list.query.get('ref'), 'main');
      assert.ok(list.query.get('created_after'));
    });

    it('a connection lost after sending, or a timeout after creating: the same', async () => {
      fake.fault({ method: 'POST', path: /\/pipeline$/, reset: true, after: true });
      assert.equal((await startPipeline(client(), request, { clock })).recovered, true);
      fake.fault({ method: 'POST', path: /\/pipeline$/, delayMs: 1000, after: true });
      const slow = await startPipeline(client({ requestTimeoutMs: 200 }), { ...request, variables: { ...variables, HEALER_ATTEMPT: '2' } }, { clock });
      assert.equal(slow.recovered, true);
      assert.equal(posts().length, 2);
      assert.equal(fake.state.pipelines.size, 3);
    });

    it('502 before GitLab created it: nothing carries our variables, so it is sent once more', async () => {
      fake.fault({ method: 'POST', path: /\/pipeline$/, status: 502 });
      const started = await startPipeline(client(), request, { clock });
      assert.equal(started.recovered, false);
      assert.equal(posts().length, 2);
      assert.equal(fake.state.pipelines.size, 2);
    });

    it('502, and GitLab creates it only after healer looked and resent: the resent one is canceled, the first kept', async () => {
      // A proxy gave up at once while GitLab went on: the pipeline appears 350 ms later, after healer's lookup
      // (at 200 ms: 10 × the 20 ms backoff base) found nothing and it sent again, before its second look (400 ms later). Real time here, not the test clock.
      fake.fault({ method: 'POST', path: /\/pipeline$/, status: 502, lateMs: 350 });
      const c = client({ clock: realClock, retry: { baseMs: 20 } });
      const started = await startPipeline(c, request, { clock: realClock });
      assert.deepEqual(posts().map((r) => r.path.replace(/\d+/g, 'N')), ['/api/vN/projects/N/pipeline', '/api/vN/projects/N/pipeline', '/api/vN/projects/N/pipelines/N/cancel'], 'sent twice, then the duplicate canceled');
      const ours = [...fake.state.pipelines.values()].filter((p) => p.id > 100);
      assert.equal(ours.length, 2, 'both requests created a pipeline');
      // The resent request created its pipeline first (lower id); the first request's pipeline appeared later.
      const [resent, late] = ours.sort((a, b) => a.id - b.id);
      assert.equal(started.recovered, true);
      assert.equal(started.pipeline.id, late!.id, 'the late one is kept');
      assert.equal(resent!.status, 'canceled', 'the resent one is canceled');
      assert.notEqual(late!.status, 'canceled');
      assert.deepEqual(started.warnings, []);
    });

    it('429 is safe to resend (GitLab refused before acting), after Retry-After', async () => {
      fake.fault({ method: 'POST', path: /\/pipeline$/, status: 429, headers: { 'retry-after': '2' } });
      await startPipeline(client(), request, { clock });
      assert.equal(posts().length, 2);
      assert.deepEqual(clock.waits, [2000]);
      assert.equal(fake.state.pipelines.size, 2);
    });

    it('when looking for it fails too, the outcome stays unknown and nothing is resent', async () => {
      fake.fault({ method: 'POST', path: /\/pipeline$/, status: 502, after: true });
      fake.fault({ method: 'GET', path: /\/pipelines$/, status: 503, times: 10 });
      await assert.rejects(startPipeline(client(), request, { clock }), (e: GitLabError) => e.ambiguous && /looking for the pipeline failed too/.test(e.message));
      assert.equal(posts().length, 1);
    });

    it('with only a trigger token nothing can be looked up: the outcome is reported unknown, never resent', async () => {
      fake.fault({ method: 'POST', path: /trigger\/pipeline$/, status: 502, after: true });
      const c = client({ apiToken: null });
      await assert.rejects(startPipeline(c, { ...request, via: 'trigger' }, { clock }), (e: GitLabError) => e.ambiguous && /not resent/.test(e.hint ?? ''));
      assert.equal(posts().length, 1);
    });
  });

  describe('refusals name what to fix', () => {
    it('pipeline variables forbidden by the project', async () => {
      fake.state.projects.get(42)!.variablesForbidden = true;
      await assert.rejects(client().createPipeline('42', 'main', variables), (e: GitLabError) => {
        assert.equal(e.code, 'variables_forbidden');
        assert.match(e.message, /does not let this token pass pipeline variables/);
        assert.match(e.hint!, /Minimum role to use pipeline variables.*ci_pipeline_variables_minimum_override_role/);
        return true;
      });
    });

    it('a ref that no longer exists', async () => {
      await assert.rejects(client().createPipeline('42', 'gone', variables), (e: GitLabError) => e.code === 'missing_ref' && /ref gone does not exist in project 42/.test(e.message));
    });

    it('a wrong API token, a wrong trigger token', async () => {
      await assert.rejects(client({ apiToken: 'wrong' }).getPipeline('42', 100), (e: GitLabError) => e.status === 401 && /GITLAB_TOKEN/.test(e.hint ?? ''));
      await assert.rejects(client({ triggerToken: 'wrong' }).triggerPipeline('42', 'main', variables), (e: GitLabError) => e.status === 404 && /GITLAB_TRIGGER_TOKEN/.test(e.hint ?? ''));
      assert.equal(posts().length, 1, 'a refusal is not retried');
    });
  });
});

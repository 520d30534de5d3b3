/** `healer scan` as cron runs it: the real binary against a fake GitLab and a real state folder, rule by rule. */
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { finishedRecord, makeRecord, MINUTE, stuckRecord, writeRecord } from '../helpers/scan-records.js';
import { API_TOKEN, creates, stuckPipeline, world, writes, type World } from '../helpers/world.js';

describe('healer scan: a stuck pipeline', () => {
  let w: World;
  before(async () => {
    w = await world();
  });
  after(() => w.close());

  it('--dry-run prints the exact plan and writes nothing (no file, no API write)', async () => {
    stuckPipeline(w.fake, 100);
    const path = await writeRecord(w.stateDir, stuckRecord(100, Date.now()));
    const before = await readFile(path, 'utf8');
    const { result, report } = await w.json(['--dry-run']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(report.actions.length, 1);
    const [action] = report.actions;
    assert.equal(action!.status, 'planned');
    assert.equal(action!.stage, 'test');
    assert.equal(action!.cancel, 'planned');
    assert.match(action!.reason, /stuck: job unit-tests \(stage test\) in_progress, last update 30m ago > threshold 10m/);
    assert.equal(await readFile(path, 'utf8'), before);
    assert.deepEqual(writes(w.fake), []);
    const text = await w.scan(['--dry-run']);
    assert.match(text.stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ healer: would resume pipeline 100 \(project 42, ref main\) from stage test/m);
  });

  it('cancels it, then creates the resume on its ref with the lineage variables, and records it', async () => {
    const result = await w.scan();
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Z healer: resumed pipeline 100 \(project 42, ref main\) from stage test as pipeline 1000 \(attempt 1\), canceled it first/);
    const posts = writes(w.fake).map((r) => `${r.method} ${r.path}`);
    assert.deepEqual(posts, ['POST /api/v4/projects/42/pipelines/100/cancel', 'POST /api/v4/projects/42/pipeline']);
    const create = creates(w.fake)[0]!;
    assert.equal(create.headers['private-token'], API_TOKEN);
    assert.deepEqual(JSON.parse(create.body), {
      ref: 'main',
      variables: [
        { key: 'RESUME_STAGE', value: 'test', variable_type: 'env_var' },
        { key: 'HEALER_ROOT_PIPELINE_ID', value: '100', variable_type: 'env_var' },
        { key: 'HEALER_PARENT_PIPELINE_ID', value: '100', variable_type: 'env_var' },
        { key: 'HEALER_ATTEMPT', value: '1', variable_type: 'env_var' },
      ],
    });
    assert.equal(w.fake.state.pipelines.get(100)!.status, 'canceled');
    const record = await w.record(100);
    assert.equal(record.retry_count, 1);
    const [resume] = record.resumes!;
    assert.equal(resume!.state, 'triggered');
    assert.equal(resume!.stage, 'test');
    assert.equal(resume!.pipeline_id, 1000);
    assert.equal(resume!.pipeline_url, `${w.fake.url}/group/app/-/pipelines/1000`);
    assert.equal(resume!.canceled, true);
    assert.match(resume!.reason!, /stuck/);
    assert.match(resume!.at, /Z$/);
  });

  it('a second scan does nothing: the pipeline was resumed (and is canceled now)', async () => {
    const before = w.fake.requests.length;
    const result = await w.scan();
    assert.equal(result.code, 0);
    assert.equal(result.stdout, '', 'cron output stays silent when nothing happened');
    assert.equal(w.fake.requests.length, before, 'GitLab is not even asked');
  });
});

describe('healer scan: the rules', () => {
  let w: World;
  before(async () => {
    w = await world({ HEALER_SUPERSEDED_CHECK: 'false' });
  });
  after(() => w.close());
  const now = () => Date.now();

  it('never resumes a pipeline canceled by a person, one that succeeded, or one superseded', async () => {
    stuckPipeline(w.fake, 200, { status: 'canceled' });
    stuckPipeline(w.fake, 201, { status: 'success', ref: 'feature/x' });
    await writeRecord(w.stateDir, stuckRecord(200, now()));
    await writeRecord(w.stateDir, stuckRecord(201, now(), { ref: 'feature/x' }));
    const { result, report } = await w.json();
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(report.actions, []);
    assert.deepEqual(report.skipped.map((s) => [s.pipeline_id, s.code]), [[200, 'canceled']]);
    assert.equal(report.counts.idle.succeeded, 1);
    assert.deepEqual(writes(w.fake), []);
    // Superseded: with the check on, a newer pipeline on the ref wins.
    stuckPipeline(w.fake, 202, { ref: 'main' });
    stuckPipeline(w.fake, 203, { ref: 'main', status: 'pending', jobs: [] });
    await writeRecord(w.stateDir, stuckRecord(202, now()));
    const superseded = await w.json(['--dry-run'], { HEALER_SUPERSEDED_CHECK: 'true' });
    assert.deepEqual(superseded.report.skipped.find((s) => s.pipeline_id === 202)?.code, 'superseded');
    const off = await w.json(['--dry-run']);
    assert.deepEqual(off.report.actions.map((a) => a.pipeline_id), [202]);
  });

  it('resumes an infrastructure failure at once, and never a script failure', async () => {
    const jobs = (reason: string, base: number) => [
      { id: base + 1, name: 'build-app', stage: 'build', status: 'success' },
      { id: base + 2, name: 'unit-tests', stage: 'test', status: 'failed', failureReason: reason },
    ];
    w.fake.state.addPipeline({ id: 300, projectId: 42, status: 'failed', jobs: jobs('runner_system_failure', 3000) });
    w.fake.state.addPipeline({ id: 301, projectId: 42, status: 'failed', jobs: jobs('script_failure', 3010) });
    for (const id of [300, 301]) {
      // The heartbeat is fresh (1 minute): no threshold wait for an infrastructure failure.
      await writeRecord(w.stateDir, stuckRecord(id, now(), {}, MINUTE));
    }
    const { report } = await w.json(['--dry-run']);
    const action = report.actions.find((a) => a.pipeline_id === 300);
    assert.ok(action, JSON.stringify(report));
    assert.match(action.reason, /infrastructure failure: job unit-tests failed with runner_system_failure/);
    assert.equal(action.cancel, 'not_needed');
    assert.equal(report.skipped.find((s) => s.pipeline_id === 301)?.code, 'not_infra');
  });

  it('judges age from the records (MAX_PIPELINE_AGE_MINUTES), not from the file', async () => {
    stuckPipeline(w.fake, 400);
    await writeRecord(w.stateDir, stuckRecord(400, now(), { createdAgoMs: 90 * MINUTE }, 80 * MINUTE));
    const { report } = await w.json(['--dry-run']);
    assert.ok(!report.actions.some((a) => a.pipeline_id === 400));
    const older = await w.json(['--dry-run'], { MAX_PIPELINE_AGE_MINUTES: '120' });
    assert.ok(older.report.actions.some((a) => a.pipeline_id === 400));
  });

  it('stops a lineage at MAX_RETRY_COUNT resumes in total and tells the operator', async () => {
    // Root 500 was resumed as 510 (attempt 1), which was resumed as 520 (attempt 2); 520 hangs too.
    stuckPipeline(w.fake, 520, { ref: 'feature/x' });
    const root = finishedRecord(500, now(), { createdAgoMs: 40 * MINUTE });
    root.resumes = [{ at: '2026-01-01T00:00:00Z', stage: 'test', state: 'triggered', attempt: 1, pipeline_id: 510 }];
    await writeRecord(w.stateDir, root);
    await writeRecord(w.stateDir, stuckRecord(520, now(), { root: 500, parent: 510, attempt: 2, ref: 'feature/x' }));
    const result = await w.scan(['--dry-run']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /left pipeline 520 alone \(retry_limit\): .*used 2 of 2 resumes \(MAX_RETRY_COUNT\)/);
    const more = await w.json(['--dry-run'], { MAX_RETRY_COUNT: '3' });
    assert.equal(more.report.actions.find((a) => a.pipeline_id === 520)?.attempt, 3);
  });

  it('a refusal names the setting to fix; once fixed, the next scan resumes the pipeline it canceled', async () => {
    stuckPipeline(w.fake, 650);
    await writeRecord(w.stateDir, stuckRecord(650, now()));
    const project = w.fake.state.projects.get(42)!;
    project.variablesForbidden = true;
    const refused = await w.scan([], { HEALER_STUCK_THRESHOLD: '25m' });
    project.variablesForbidden = false;
    assert.equal(refused.code, 1);
    assert.match(refused.stdout, /FAILED to resume pipeline 650 .*does not let this token pass pipeline variables.*ci_pipeline_variables_minimum_override_role/);
    assert.equal(w.fake.state.pipelines.get(650)!.status, 'canceled');
    const first = await w.record(650);
    assert.deepEqual(first.resumes!.map((r) => [r.state, r.canceled]), [['failed', true]]);
    const again = await w.json([], { HEALER_STUCK_THRESHOLD: '25m' });
    assert.deepEqual(again.report.actions.filter((a) => a.pipeline_id === 650).map((a) => [a.status, a.cancel]), [['triggered', 'not_needed']]);
  });

  it('uses per-stage thresholds from the config file, in seconds', async () => {
    await writeFile(`${w.dir}/healer.config.json`, JSON.stringify({ stuck_threshold: '30s', stage_thresholds: { deploy: '1h' } }));
    const record = makeRecord({
      id: 600,
      now: now(),
      ref: 'feature/x',
      stages: ['build', 'deploy'],
      jobs: [
        { name: 'b', stage: 'build', status: 'done', agoMs: 25 * MINUTE },
        { name: 'prod', stage: 'deploy', status: 'in_progress', agoMs: 20 * MINUTE, jobId: 6002 },
      ],
    });
    w.fake.state.addPipeline({ id: 600, projectId: 42, ref: 'feature/x', jobs: [{ id: 6002, name: 'prod', stage: 'deploy', status: 'running' }] });
    await writeRecord(w.stateDir, record);
    const slow = await w.json(['--dry-run']);
    assert.ok(!slow.report.actions.some((a) => a.pipeline_id === 600), 'deploy may take an hour');
    record.jobs.prod!.updated = new Date(now() - 45_000).toISOString().replace(/\.\d+Z$/, 'Z');
    record.stage_order = ['build', 'test-fast'];
    record.jobs.prod!.stage = 'test-fast';
    await writeRecord(w.stateDir, record);
    const fast = await w.json(['--dry-run']);
    assert.match(fast.report.actions.find((a) => a.pipeline_id === 600)?.reason ?? '', /last update \d+s ago > threshold 30s/);
    await rm(`${w.dir}/healer.config.json`);
  });
});

describe('healer scan: a trigger token only', () => {
  let w: World;
  before(async () => {
    w = await world({ GITLAB_TOKEN: '', GITLAB_TRIGGER_TOKEN: 'glptt-trigger-token-for-tests-0002' });
  });
  after(() => w.close());

  it('triggers on the record\'s ref with the token in the form body only, and says it could not cancel', async () => {
    stuckPipeline(w.fake, 700, { ref: 'feature/x' });
    await writeRecord(w.stateDir, stuckRecord(700, Date.now(), { ref: 'feature/x' }));
    const result = await w.scan();
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /resumed pipeline 700 \(project 42, ref feature\/x\) from stage test as pipeline 1000 \(attempt 1\), could not cancel it \(no API token\)/);
    assert.match(result.stdout, /note: not checked with GitLab and not canceled first: only a trigger token is configured/);
    const all = w.fake.requests.map((r) => `${r.method} ${r.url}`);
    assert.deepEqual(all, ['POST /api/v4/projects/42/trigger/pipeline'], 'nothing but the trigger: no API token to read with');
    const [trigger] = creates(w.fake);
    assert.equal(trigger!.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.ok(!trigger!.url.includes('token'), 'the token is never in the URL');
    assert.equal(trigger!.headers['private-token'], undefined);
    const form = new URLSearchParams(trigger!.body);
    assert.equal(form.get('token'), 'glptt-trigger-token-for-tests-0002');
    assert.equal(form.get('ref'), 'feature/x');
    assert.equal(form.get('variables[RESUME_STAGE]'), 'test');
    assert.equal(form.get('variables[HEALER_ATTEMPT]'), '1');
    assert.equal(w.fake.state.pipelines.get(1000)!.source, 'trigger');
  });
});

describe('healer scan: bad and legacy records among good ones', () => {
  let w: World;
  before(async () => {
    w = await world({ GITLAB_PROJECT_ID: '42', HEALER_SUPERSEDED_CHECK: 'false' });
  });
  after(() => w.close());

  it('reports each bad record, resumes the good and the legacy ones, and changes no bad byte', async () => {
    const now = Date.now();
    const zoneless = (ago: number) => new Date(now - ago).toISOString().slice(0, 19);
    const legacy = { pipeline_id: 800, ref: 'main', retry_count: 0, stages: { build: { status: 'done', updated: zoneless(40 * MINUTE) }, test: { status: 'in_progress', updated: zoneless(30 * MINUTE) }, deploy: { status: 'pending', updated: null } } };
    const bad: Array<[number, string]> = [
      [801, '{"version": 1, "pipeline": {"id": 801}, "jobs": {'],
      [802, JSON.stringify({ version: 2, pipeline: { id: 802 }, jobs: {}, stages: {} })],
      [803, JSON.stringify({ ...stuckRecord(999, now), pipeline: { id: 999 } })],
      [804, 'not json at all'],
    ];
    const paths = new Map<number, string>();
    for (const [id, text] of bad) paths.set(id, await writeRecord(w.stateDir, text, id));
    await writeRecord(w.stateDir, legacy, 800);
    w.fake.state.addPipeline({ id: 800, projectId: 42, jobs: [{ id: 8001, name: 'unit', stage: 'test', status: 'running' }] });
    stuckPipeline(w.fake, 805);
    await writeRecord(w.stateDir, stuckRecord(805, now));
    await writeRecord(w.stateDir, finishedRecord(806, now));
    await mkdir(`${w.stateDir}/807`); // a folder whose first job has not written yet
    await mkdir(`${w.stateDir}/not-a-pipeline`);

    const { result, report } = await w.json();
    assert.equal(result.code, 1, 'a bad record makes the scan exit 1');
    assert.deepEqual(report.actions.map((a) => [a.pipeline_id, a.status]), [[800, 'triggered'], [805, 'triggered']]);
    assert.deepEqual(report.errors.map((e) => e.pipeline_id), [801, 802, 803, 804]);
    assert.match(report.errors[0]!.message, /801\/\.ci-progress\.json is not valid JSON/);
    assert.match(report.errors[1]!.message, /newer healer \(record version 2\)/);
    assert.match(report.errors[2]!.message, /belongs to pipeline 999/);
    for (const [id, text] of bad) assert.equal(await readFile(paths.get(id)!, 'utf8'), text);
    // The legacy record was upgraded on write, losing nothing, with the resume recorded.
    const upgraded = await w.record(800);
    assert.equal(upgraded.version, 1);
    assert.equal(upgraded.pipeline_id, 800);
    assert.equal(upgraded.stages.test!.status, 'in_progress');
    assert.equal(upgraded.resumes![0]!.state, 'triggered');
    assert.equal(upgraded.retry_count, 1);
  });

  it('one failing API call never stops the scan of the others', async () => {
    const now = Date.now();
    for (const id of [900, 901]) {
      stuckPipeline(w.fake, id, { ref: id === 900 ? 'main' : 'feature/x' });
      await writeRecord(w.stateDir, stuckRecord(id, now, { ref: id === 900 ? 'main' : 'feature/x' }));
    }
    w.fake.fault({ method: 'GET', path: /\/pipelines\/900\/jobs$/, status: 500, times: 10 });
    const { result, report } = await w.json([], { HEALER_REQUEST_TIMEOUT: '1s' });
    assert.equal(result.code, 1);
    assert.deepEqual(report.actions.map((a) => a.pipeline_id), [901]);
    const mine = report.errors.filter((e) => e.pipeline_id === 900);
    assert.equal(mine.length, 1);
    assert.match(mine[0]!.message, /GitLab answered 500 while trying to list the jobs of pipeline 900 in project 42/);
  });
});

describe('healer scan: asking GitLab as little as it can', () => {
  let w: World;
  before(async () => {
    w = await world();
  });
  after(() => w.close());
  const now = () => Date.now();
  const lists = () => w.fake.requests.filter((r) => r.method === 'GET' && r.path === '/api/v4/projects/42/pipelines');
  const jobLists = () => w.fake.requests.filter((r) => /\/pipelines\/\d+\/jobs$/.test(r.path)).map((r) => Number(/(\d+)\/jobs$/.exec(r.path)![1]));

  it('one page of the project\'s newest pipelines answers the superseded check for every candidate it reaches', async () => {
    for (const [id, ref] of [[500, 'a'], [501, 'b'], [502, 'c'], [505, 'e']] as const) {
      await writeRecord(w.stateDir, stuckRecord(id, now(), { ref }));
    }
    stuckPipeline(w.fake, 500, { ref: 'a' });
    stuckPipeline(w.fake, 501, { ref: 'b' });
    stuckPipeline(w.fake, 502, { ref: 'c' });
    stuckPipeline(w.fake, 503, { ref: 'b', status: 'pending', jobs: [] }); // a newer push on b
    stuckPipeline(w.fake, 505, { ref: 'e', status: 'success' }); // the record missed its end
    // A child pipeline on ref c: GitLab leaves it out of pipeline lists, so it supersedes nothing.
    w.fake.state.addPipeline({ id: 504, projectId: 42, ref: 'c', status: 'running', source: 'parent_pipeline', jobs: [] });
    const before = w.fake.requests.length;
    const { result, report } = await w.json(['--dry-run']);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(report.actions.map((a) => a.pipeline_id), [500, 502]);
    assert.deepEqual(report.skipped.map((s) => [s.pipeline_id, s.code]), [[501, 'superseded']]);
    assert.equal(report.counts.idle.succeeded, 1);
    const asked = w.fake.requests.slice(before);
    const listed = asked.filter((r) => r.path === '/api/v4/projects/42/pipelines');
    assert.equal(listed.length, 1, 'one list of the project, not one per ref');
    assert.equal(listed[0]!.query.get('ref'), null);
    assert.equal(listed[0]!.query.get('order_by'), 'id');
    assert.equal(listed[0]!.query.get('sort'), 'desc');
    assert.equal(listed[0]!.query.get('per_page'), '100');
    assert.deepEqual(
      asked.filter((r) => r.path.endsWith('/jobs')).map((r) => r.path).sort(),
      [500, 501, 502].map((id) => `/api/v4/projects/42/pipelines/${id}/jobs`),
      'the succeeded pipeline is settled by its status in that list: its jobs are not asked for',
    );
  });

  it('a candidate older than that page is checked with its own ref\'s pipelines', async () => {
    // 120 newer pipelines elsewhere push pipeline 450 off the project's first page.
    for (let id = 600; id < 720; id += 1) w.fake.state.addPipeline({ id, projectId: 42, ref: 'other', status: 'success', jobs: [] });
    await writeRecord(w.stateDir, stuckRecord(450, now(), { ref: 'd' }));
    stuckPipeline(w.fake, 450, { ref: 'd' });
    stuckPipeline(w.fake, 455, { ref: 'd', status: 'pending', jobs: [] });
    const before = w.fake.requests.length;
    const { result, report } = await w.json(['--dry-run']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(report.skipped.find((s) => s.pipeline_id === 450)?.code, 'superseded');
    assert.match(report.skipped.find((s) => s.pipeline_id === 450)!.reason, /newer pipeline 455 on d/);
    const listed = lists().filter((r) => w.fake.requests.indexOf(r) >= before);
    // The project page once; then each candidate it does not reach (450, and now the first test's 500-505) by its ref.
    assert.deepEqual(listed.map((r) => r.query.get('ref')).sort(), ['a', 'b', 'c', 'd', 'e', null]);
    assert.ok(jobLists().includes(450));
  });
});

describe('healer scan: cancel, then wait for GitLab to finish canceling', () => {
  let w: World;
  before(async () => {
    w = await world();
  });
  after(() => w.close());
  const statusAnswers = (id: number) =>
    w.fake.requests.filter((r) => r.method === 'GET' && r.path === `/api/v4/projects/42/pipelines/${id}`).map((r) => (r.response?.body as { status: string }).status);

  it('starts the resume only once GitLab reports the pipeline canceled (after_script ran on a live runner)', async () => {
    w.fake.state.cancelingMs = 700;
    stuckPipeline(w.fake, 800);
    await writeRecord(w.stateDir, stuckRecord(800, Date.now()));
    const { result, report } = await w.json();
    assert.equal(result.code, 0, result.stderr);
    assert.equal(report.actions[0]!.status, 'triggered');
    assert.deepEqual(report.actions[0]!.notes, []);
    const order = w.fake.requests.filter((r) => r.method === 'POST' || r.path === '/api/v4/projects/42/pipelines/800').map((r) => `${r.method} ${r.path}`);
    assert.equal(order[0], 'POST /api/v4/projects/42/pipelines/800/cancel');
    assert.equal(order.at(-1), 'POST /api/v4/projects/42/pipeline', 'the create comes last');
    const seen = statusAnswers(800);
    assert.ok(seen.length >= 2, `polled while canceling: ${seen.join(', ')}`);
    assert.equal(seen[0], 'canceling');
    assert.equal(seen.at(-1), 'canceled', 'the create follows an answer of canceled');
    assert.equal(w.fake.state.jobs.get(8002)!.status, 'canceled');
  });

  it('a job whose runner is gone never confirms: after the cancel wait it resumes anyway, and says so', async () => {
    w.fake.state.cancelingMs = Number.POSITIVE_INFINITY;
    stuckPipeline(w.fake, 801);
    await writeRecord(w.stateDir, stuckRecord(801, Date.now()));
    const started = Date.now();
    const { result, report } = await w.json([], { HEALER_CANCEL_WAIT: '1s' });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(Date.now() - started >= 1000, 'it waited');
    const action = report.actions.find((a) => a.pipeline_id === 801)!;
    assert.equal(action.status, 'triggered');
    assert.match(action.notes.join('\n'), /pipeline 801 was still canceling when healer stopped waiting \(HEALER_CANCEL_WAIT 1s\)/);
    // Each action carries its own time (cron lines print it), between the scan's start and end.
    assert.match(action.at!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.ok(report.started_at <= action.at! && action.at! <= report.finished_at);
    assert.equal(w.fake.state.pipelines.get(801)!.status, 'canceling');
    const text = await w.scan(['--dry-run']); // nothing left to do; the record says resumed
    assert.equal(text.code, 0, text.stderr);
  });

  it('stops waiting in time for the resume to start before the scan\'s time limit', async () => {
    w.fake.state.cancelingMs = Number.POSITIVE_INFINITY;
    stuckPipeline(w.fake, 802);
    await writeRecord(w.stateDir, stuckRecord(802, Date.now()));
    const started = Date.now();
    // A 30 s cancel wait in a 4 s scan: it waits about 2 s (the deadline less a margin), then resumes.
    const { result, report } = await w.json([], { HEALER_CANCEL_WAIT: '30s', HEALER_SCAN_TIMEOUT: '4s' });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(Date.now() - started < 10_000, 'not the whole cancel wait');
    const action = report.actions.find((a) => a.pipeline_id === 802)!;
    assert.equal(action.status, 'triggered');
    assert.match(action.notes.join('\n'), /pipeline 802 was still canceling when healer stopped waiting/);
  });
});

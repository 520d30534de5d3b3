/**
 * Two watchdogs at once, and a watchdog killed between its intent and the trigger: exactly one resume per stuck
 * pipeline, whatever happens. Real processes, real locks, a real SIGKILL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { stuckRecord, writeRecord } from '../helpers/scan-records.js';
import { startCli } from '../helpers/cli.js';
import { creates, stuckPipeline, world, type ScanJson, type World } from '../helpers/world.js';

const IDS = [100, 101, 102];

describe('two healer scans at the same moment', () => {
  let w: World;
  before(async () => {
    w = await world({ HEALER_SUPERSEDED_CHECK: 'false' });
    for (const id of IDS) {
      stuckPipeline(w.fake, id);
      await writeRecord(w.stateDir, stuckRecord(id, Date.now()));
    }
    // Slow answers keep both scans deciding at the same time, before either has written an intent.
    w.fake.fault({ method: 'GET', path: /\/pipelines\/\d+\/jobs$/, delayMs: 300, times: 20 });
    w.fake.fault({ method: 'POST', path: /\/pipeline$/, delayMs: 200, times: 20 });
  });
  after(() => w.close());

  it('trigger exactly one resume per stuck pipeline', async () => {
    const [a, b] = await Promise.all([w.json(), w.json()]);
    for (const { result } of [a, b]) assert.equal(result.code, 0, result.stdout + result.stderr);
    const created = creates(w.fake).map((r) => JSON.parse(r.body).variables.find((v: { key: string }) => v.key === 'HEALER_PARENT_PIPELINE_ID').value);
    assert.deepEqual(created.sort(), IDS.map(String), 'one create per pipeline');
    for (const id of IDS) {
      const reports: ScanJson[] = [a.report, b.report];
      const winners = reports.filter((r) => r.actions.some((x) => x.pipeline_id === id && x.status === 'triggered'));
      assert.equal(winners.length, 1, `pipeline ${id} resumed by exactly one scan`);
      const loser = reports.find((r) => r !== winners[0])!;
      const backedOff = loser.skipped.some((s) => s.pipeline_id === id && s.code === 'resume_in_progress') || (loser.counts.idle.already_resumed ?? 0) > 0;
      assert.ok(backedOff, `the other scan left ${id} alone: ${JSON.stringify(loser)}`);
      const record = await w.record(id);
      assert.deepEqual(record.resumes!.map((r) => r.state), ['triggered']);
    }
  });
});

describe('a healer killed between its intent and the trigger', () => {
  let w: World;
  before(async () => {
    // Intents go stale after a second here, so the cancel wait must fit in it: no wait (the fake cancels at once).
    w = await world({ HEALER_INTENT_TIMEOUT: '1s', HEALER_REQUEST_TIMEOUT: '0.5s', HEALER_CANCEL_WAIT: '0s' });
  });
  after(() => w.close());

  async function killWhen(match: (path: string, method: string) => boolean): Promise<void> {
    const from = w.fake.requests.length;
    const child = startCli(['scan'], { env: w.env, cwd: w.dir });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const closed = new Promise((resolve) => child.on('close', resolve));
    // A scan that ends before the request (a configuration error, say) fails the test instead of hanging it.
    const ended = closed.then(() => {
      throw new Error(`healer scan ended before the request to kill it at:\n${stderr}`);
    });
    await Promise.race([w.fake.waitForRequest((r) => match(r.path, r.method), from), ended]);
    ended.catch(() => undefined);
    child.kill('SIGKILL');
    await closed;
  }

  it('before the pipeline was created: the next scan takes the intent over and resumes once', async () => {
    stuckPipeline(w.fake, 200);
    await writeRecord(w.stateDir, stuckRecord(200, Date.now()));
    w.fake.fault({ method: 'POST', path: /\/pipelines\/200\/cancel$/, delayMs: 5000 });
    await killWhen((path, method) => method === 'POST' && path.endsWith('/pipelines/200/cancel'));
    const left = await w.record(200);
    assert.deepEqual(left.resumes!.map((r) => r.state), ['intent'], 'the crash left an unsettled intent');
    assert.equal(creates(w.fake).length, 0);

    const fresh = await w.json([], { HEALER_INTENT_TIMEOUT: '60s' });
    assert.equal(fresh.report.skipped[0]?.code, 'resume_in_progress', 'a fresh intent belongs to a healer that may still work');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const { result, report } = await w.json();
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(report.actions.map((a) => [a.pipeline_id, a.status]), [[200, 'triggered']]);
    assert.equal(creates(w.fake).length, 1);
    const record = await w.record(200);
    assert.deepEqual(record.resumes!.map((r) => r.state), ['failed', 'triggered']);
    assert.match(record.resumes![0]!.error!, /abandoned/);
  });

  it('after the pipeline was created: the next scan finds it by its lineage variables and records it', async () => {
    stuckPipeline(w.fake, 300, { ref: 'feature/x' });
    await writeRecord(w.stateDir, stuckRecord(300, Date.now(), { ref: 'feature/x' }));
    const before = w.fake.state.pipelines.size;
    w.fake.fault({ method: 'POST', path: /\/pipeline$/, delayMs: 5000, after: true });
    await killWhen((path, method) => method === 'POST' && /\/projects\/42\/pipeline$/.test(path));
    for (let i = 0; i < 100 && w.fake.state.pipelines.size === before; i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(w.fake.state.pipelines.size, before + 1, 'the killed healer had created the pipeline');
    const createdId = Math.max(...w.fake.state.pipelines.keys());
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const creates0 = creates(w.fake).length;
    const { result, report } = await w.json();
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(report.actions.map((a) => [a.pipeline_id, (a as { action?: string }).action, a.status, a.new_pipeline?.id]), [[300, 'adopt', 'adopted', createdId]]);
    assert.equal(creates(w.fake).length, creates0, 'not created again');
    const record = await w.record(300);
    assert.equal(record.resumes!.at(-1)!.state, 'triggered');
    assert.equal(record.resumes!.at(-1)!.pipeline_id, createdId);
    assert.equal(record.resumes!.at(-1)!.recovered, true);
  });
});

/** `healer demo`: the self-contained story really heals, cleans up, honours NO_COLOR and --json. */
import assert from 'node:assert/strict';
import { access } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';

interface DemoJson {
  ok: boolean;
  state_dir: string;
  pipelines: Array<{ id: number; status: string; source: string; resume_stage: string | null; jobs: Array<{ name: string; stage: string; status: string }> }>;
  resumes: Array<{ stage: string; state: string; pipeline_id: number; reason: string }>;
  lineage: { root_pipeline_id: number; attempt: number; resume_stage: string };
  scans: Array<{ actions: unknown[]; counts: { records: number } }>;
  timeline: Array<{ t: number; kind: string; text: string }>;
}

describe('healer demo', () => {
  it('breaks a pipeline, heals it from the hung stage, and cleans up (--json)', async () => {
    const r = await runCli(['demo', '--json'], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as DemoJson;
    assert.equal(doc.ok, true);
    const [first, second] = doc.pipelines;
    assert.equal(doc.pipelines.length, 2, 'exactly one resume');
    assert.equal(first?.status, 'canceled', 'the stuck pipeline is canceled before its resume');
    assert.equal(first?.jobs.find((j) => j.name === 'unit-tests')?.status, 'canceled');
    assert.equal(second?.status, 'success');
    assert.equal(second?.source, 'api');
    assert.equal(second?.resume_stage, 'test');
    assert.deepEqual(second?.jobs.map((j) => j.stage).sort(), ['deploy', 'test', 'test'], 'only test and deploy ran');
    assert.deepEqual(doc.lineage, { root_pipeline_id: first!.id, parent_pipeline_id: first!.id, attempt: 1, resume_stage: 'test' });
    assert.equal(doc.resumes.length, 1);
    assert.equal(doc.resumes[0]?.state, 'triggered');
    assert.equal(doc.resumes[0]?.pipeline_id, second!.id);
    assert.match(doc.resumes[0]?.reason ?? '', /stuck: job unit-tests/);
    assert.equal(doc.scans[1]?.actions.length, 0, 'a second scan does nothing');
    assert.ok(doc.timeline.some((e) => e.kind === 'job-hang'));
    await assert.rejects(access(doc.state_dir), 'the temp folder is removed');
    assert.doesNotMatch(r.stdout + r.stderr, /demo-[0-9a-f]{24}/, 'the simulated API token is never printed');
  });

  it('prints a readable timeline, without colours under NO_COLOR', async () => {
    const r = await runCli(['demo'], { env: { NO_COLOR: '1', FORCE_COLOR: '1' }, timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /\x1b\[/, 'no escape codes');
    assert.match(r.stdout, /pipeline #\d+ starts \(push to main\)/);
    assert.match(r.stdout, /unit-tests\s+hangs/);
    assert.match(r.stdout, /decided: stuck: job unit-tests/);
    assert.match(r.stdout, /starts with RESUME_STAGE=test \(attempt 1\)/);
    assert.match(r.stdout, /pipeline #\d+ success/);
    assert.match(r.stdout, /^healed:/m);
    const colored = await runCli(['demo', '--threshold', '1'], { env: { FORCE_COLOR: '1' }, timeoutMs: 60_000 });
    assert.equal(colored.code, 0, colored.stderr);
    assert.match(colored.stdout, /\x1b\[32m/, 'colours when forced and NO_COLOR is unset');
  });

  it('refuses a bad threshold with exit 2', async () => {
    const r = await runCli(['demo', '--threshold', 'soon']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--threshold "soon" is not a whole number of seconds/);
  });
});

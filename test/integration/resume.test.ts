/** `healer resume` by hand: defaults from the record, without a record, the lineage limit and --force, refusals. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { finishedRecord, stuckRecord, writeRecord } from '../helpers/scan-records.js';
import { creates, stuckPipeline, world, writes, type World } from '../helpers/world.js';

describe('healer resume', () => {
  let w: World;
  const resume = (args: string[], env: Record<string, string | undefined> = {}) => runCli(['resume', ...args], { env: { ...w.env, ...env }, cwd: w.dir });
  before(async () => {
    w = await world();
  });
  after(() => w.close());

  it('takes stage, ref and project from the record; --dry-run writes nothing', async () => {
    stuckPipeline(w.fake, 100, { ref: 'feature/x' });
    const path = await writeRecord(w.stateDir, stuckRecord(100, Date.now(), { ref: 'feature/x' }, 60_000));
    const before = await readFile(path, 'utf8');
    const dry = await resume(['--pipeline', '100', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^healer: would resume pipeline 100 \(project 42, ref feature\/x\) from stage test \(attempt 1\), canceling it first — resumed by hand/m);
    assert.equal(await readFile(path, 'utf8'), before);
    assert.deepEqual(writes(w.fake), []);

    const real = await resume(['--pipeline', '100', '--json']);
    assert.equal(real.code, 0, real.stderr);
    const doc = JSON.parse(real.stdout);
    assert.equal(doc.action.status, 'triggered');
    assert.equal(doc.action.cancel, 'canceled');
    assert.equal(doc.action.cause, 'manual');
    const body = JSON.parse(creates(w.fake)[0]!.body);
    assert.equal(body.ref, 'feature/x');
    const record = JSON.parse(await readFile(path, 'utf8'));
    assert.equal(record.resumes[0].state, 'triggered');
    assert.equal(record.resumes[0].cause, 'manual');
  });

  it('refuses a second resume, or one past the lineage limit, unless --force', async () => {
    const again = await resume(['--pipeline', '100']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /pipeline 100 was already resumed from test as pipeline 1000 \(use --force to resume it again\)/);
    stuckPipeline(w.fake, 120);
    await writeRecord(w.stateDir, stuckRecord(120, Date.now(), { root: 100, parent: 110, attempt: 2 }));
    const limited = await resume(['--pipeline', '120', '--from-stage', 'build']);
    assert.equal(limited.code, 1);
    assert.match(limited.stderr, /the lineage of pipeline 120 \(root 100\) has used 2 of 2 resumes \(MAX_RETRY_COUNT\) \(use --force/);
    const forced = await resume(['--pipeline', '120', '--from-stage', 'build', '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout, /resumed pipeline 120 .* from stage build as pipeline \d+ \(attempt 3\)/);
  });

  it('refuses a pipeline that succeeded unless --force', async () => {
    stuckPipeline(w.fake, 130, { status: 'success' });
    await writeRecord(w.stateDir, finishedRecord(130, Date.now()));
    const done = await resume(['--pipeline', '130', '--from-stage', 'deploy']);
    assert.equal(done.code, 1);
    assert.match(done.stderr, /GitLab reports pipeline 130 success; nothing to resume/);
  });

  it('works without a record when stage, ref and project are given, continuing the lineage from GitLab', async () => {
    w.fake.state.addPipeline({ id: 140, projectId: 42, ref: 'main', status: 'failed', variables: { HEALER_ROOT_PIPELINE_ID: '90', HEALER_ATTEMPT: '1' } });
    const missing = await resume(['--pipeline', '140']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no record of pipeline 140: say where to resume with --from-stage STAGE/);
    const ok = await resume(['--pipeline', '140', '--from-stage', 'deploy', '--ref', 'main', '--project', '42']);
    assert.equal(ok.code, 0, ok.stderr);
    const vars = JSON.parse(creates(w.fake).at(-1)!.body).variables as Array<{ key: string; value: string }>;
    assert.deepEqual(Object.fromEntries(vars.map((v) => [v.key, v.value])), {
      RESUME_STAGE: 'deploy',
      HEALER_ROOT_PIPELINE_ID: '90',
      HEALER_PARENT_PIPELINE_ID: '140',
      HEALER_ATTEMPT: '2',
    });
    // No record holds an intent, so GitLab is asked: that resume exists now, and a second one is refused…
    const created = creates(w.fake).length;
    const again = await resume(['--pipeline', '140', '--from-stage', 'deploy', '--ref', 'main', '--project', '42']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /pipeline 140 was already resumed as pipeline \d+ \(\w+\): GitLab shows it with HEALER_PARENT_PIPELINE_ID=140/);
    assert.match(again.stderr, /--force/);
    assert.equal(creates(w.fake).length, created, 'nothing created');
    // … unless forced.
    const forced = await resume(['--pipeline', '140', '--from-stage', 'deploy', '--ref', 'main', '--project', '42', '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(creates(w.fake).length, created + 1);
  });

  it('bad input: one line, exit 2', async () => {
    for (const [args, message] of [
      [['--pipeline', 'abc'], /pipeline id "abc" is not a positive integer/],
      [['--pipeline', '5', '--from-stage', '../etc'], /looks like a path/],
      [[], /required option '--pipeline <id>' not specified/],
    ] as const) {
      const result = await resume([...args]);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    }
  });

  it('a refusal of GitLab names what to fix: pipeline variables forbidden', async () => {
    w.fake.state.projects.get(42)!.variablesForbidden = true;
    stuckPipeline(w.fake, 150);
    await writeRecord(w.stateDir, stuckRecord(150, Date.now()));
    const result = await resume(['--pipeline', '150']);
    w.fake.state.projects.get(42)!.variablesForbidden = false;
    assert.equal(result.code, 1);
    assert.match(result.stdout, /FAILED to resume pipeline 150 .*does not let this token pass pipeline variables.*Minimum role to use pipeline variables/);
    const record = await w.record(150);
    assert.equal(record.resumes![0]!.state, 'failed');
  });
});

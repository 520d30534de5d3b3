/**
 * `healer prune` on a mixed state folder (test/helpers/mixed-tree.ts): finished old lineages go whole; a live
 * lineage, a held lock, young records, records of unknown age and broken records stay (broken ones go only when
 * asked); --dry-run changes nothing and says exactly what a real run does.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import lockfile from 'proper-lockfile';
import { runCli, tempDir } from '../helpers/cli.js';
import { buildMixedTree } from '../helpers/mixed-tree.js';
import { snapshot } from '../helpers/restore-scenario.js';

let state: string;
let cleanup: () => Promise<void>;
let release: (() => Promise<void>) | null;

beforeEach(async () => {
  const t = await tempDir('healer-prune-');
  cleanup = t.cleanup;
  state = join(t.dir, 'state');
  await buildMixedTree(state);
  // Another process at work on pipeline 400: its lock is held (and kept fresh) for the whole test.
  release = await lockfile.lock(join(state, '400', '.ci-progress.json'), { realpath: false, stale: 15_000 });
});
afterEach(async () => {
  await release?.().catch(() => undefined);
  await cleanup();
});

const folders = async () => (await readdir(state)).filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) => a - b);
/** The snapshot lines of the given pipelines' folders, minus the lock of 400 (refreshed while held). */
const kept = async (ids: number[]) => (await snapshot(state)).filter((l) => ids.some((id) => l.startsWith(`${id}/`)) && !l.includes('.lock'));

test('--dry-run --json: the exact plan, and nothing on disk changes', async () => {
  const before = (await snapshot(state)).filter((l) => !l.includes('.lock'));
  const result = await runCli(['prune', '--older-than', '7d', '--dry-run', '--json', '--state-dir', state]);
  assert.equal(result.code, 0, result.stderr);
  const doc = JSON.parse(result.stdout);
  assert.equal(doc.dry_run, true);
  assert.deepEqual(doc.removed.map((r: { pipelines: number[] }) => r.pipelines), [[100, 101], [300], [301]]);
  const reasons = new Map<number, string>(doc.kept.map((k: { pipeline_id: number; reason: string }) => [k.pipeline_id, k.reason]));
  assert.match(reasons.get(200)!, /kept with its lineage \(root 200\): pipeline 201 live/);
  assert.match(reasons.get(201)!, /^live/);
  assert.match(reasons.get(400)!, /locked by another process/);
  assert.match(reasons.get(500)!, /broken record kept/);
  assert.match(reasons.get(600)!, /last update 2d ago, within 7d/);
  assert.match(reasons.get(700)!, /within 7d/);
  assert.match(reasons.get(800)!, /age unknown/);
  assert.deepEqual(doc.broken.map((b: { pipeline_id: number }) => b.pipeline_id).sort(), [500, 501]);
  assert.match(doc.removed[2].reason, /abandoned \(in_progress, silent for 30d\)/);
  assert.deepEqual((await snapshot(state)).filter((l) => !l.includes('.lock')), before);
});

test('a real run removes finished old lineages whole and leaves everything else byte for byte', async () => {
  const survivors = [200, 201, 400, 500, 501, 600, 700, 800];
  const before = await kept(survivors);
  const result = await runCli(['prune', '--older-than', '7d', '--state-dir', state]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^removed lineage 100 \(pipelines 100, 101\): done, last update 9d ago$/m);
  assert.match(result.stdout, /^removed pipeline 300: done, last update 30d ago$/m);
  assert.match(result.stdout, /^removed pipeline 301: abandoned \(in_progress, silent for 30d\)$/m);
  assert.match(result.stdout, /^kept pipeline 400: the record of pipeline 400 is locked by another process$/m);
  assert.match(result.stdout, /^broken record 500: .*not valid JSON.* \(kept; --remove-broken deletes it\)$/m);
  assert.match(result.stdout, /^removed 4 records older than 7d; kept 8 \(2 broken\)$/m);
  assert.deepEqual(await folders(), survivors);
  assert.deepEqual(await kept(survivors), before);
  // The tree's own trash folder, as an interrupted prune leaves it, goes too.
  assert.match(result.stdout, /^deleted .*\.healer-prune-999-abcd, left by an interrupted prune$/m);
  assert.ok(!(await readdir(state)).some((n) => n.startsWith('.healer-prune-')), 'no trash left');

  // Once the lock is released, pipeline 400 goes too; a second run finds nothing else to do.
  await release!();
  release = null;
  const again = await runCli(['prune', '--older-than', '7d', '--state-dir', state]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /^removed pipeline 400: done/m);
  assert.match(again.stdout, /removed 1 record older than 7d/);
});

test('--remove-broken removes old broken records; a short --older-than still spares live and recent abandoned ones', async () => {
  const result = await runCli(['prune', '--older-than', '1h', '--remove-broken', '--json', '--state-dir', state]);
  assert.equal(result.code, 0, result.stderr);
  const doc = JSON.parse(result.stdout);
  const removed = doc.removed.flatMap((r: { pipelines: number[] }) => r.pipelines).sort((a: number, b: number) => a - b);
  assert.deepEqual(removed, [100, 101, 300, 301, 500, 501, 600]);
  const reasons = new Map<number, string>(doc.kept.map((k: { pipeline_id: number; reason: string }) => [k.pipeline_id, k.reason]));
  assert.match(reasons.get(700)!, /still in_progress, silent for 3h; abandoned records go after 24h/);
  assert.match(reasons.get(201)!, /^live/);
  assert.deepEqual(await folders(), [200, 201, 400, 700, 800]);
});

test('the stuck threshold is the one scan uses (config file, environment); the flag still wins', async () => {
  const reasonOf700 = async (args: string[], env: Record<string, string> = {}) => {
    const result = await runCli(['prune', '--older-than', '1h', '--dry-run', '--json', '--state-dir', state, ...args], { env, cwd: join(state, '..') });
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout).kept.find((k: { pipeline_id: number }) => k.pipeline_id === 700).reason as string;
  };
  assert.match(await reasonOf700([]), /^still in_progress, silent for 3h/);
  await writeFile(join(state, '..', 'healer.config.json'), JSON.stringify({ stuck_threshold: '4h' }));
  assert.match(await reasonOf700([]), /^live: a job reported within its threshold/);
  assert.match(await reasonOf700([], { STUCK_THRESHOLD_MINUTES: '60' }), /^still in_progress/);
  assert.match(await reasonOf700(['--stuck-after', '1h']), /^still in_progress/);
  assert.match(await reasonOf700(['--stage-threshold', 'test=5h'], { STUCK_THRESHOLD_MINUTES: '60' }), /^live/);
});

test('bad input is one line, exit 2, and nothing changes', async () => {
  const before = (await snapshot(state)).filter((l) => !l.includes('.lock'));
  for (const args of [['--older-than', '7'], ['--older-than', '0d'], ['--older-than', '7d', '--abandoned-after', 'soon'], []]) {
    const result = await runCli(['prune', ...args, '--state-dir', state]);
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
  }
  const missing = await runCli(['prune', '--older-than', '7d', '--state-dir', join(state, 'nope')]);
  assert.equal(missing.code, 3);
  assert.deepEqual((await snapshot(state)).filter((l) => !l.includes('.lock')), before);
});

test('trash left by an interrupted prune is deleted by the next one (listed by --dry-run, kept by it)', async () => {
  // A prune killed between moving pipeline 77's folder aside and deleting it.
  const trash = join(state, '.healer-prune-77-0badf00d');
  await mkdir(trash);
  await writeFile(join(trash, '.ci-progress.json'), '{"version": 1}\n');
  const dry = await runCli(['prune', '--older-than', '7d', '--dry-run', '--json', '--state-dir', state]);
  assert.equal(dry.code, 0, dry.stderr);
  assert.deepEqual(JSON.parse(dry.stdout).leftover_trash, [trash, join(state, '.healer-prune-999-abcd')]);
  assert.ok((await readdir(state)).includes('.healer-prune-77-0badf00d'), 'a dry run deletes nothing');
  const real = await runCli(['prune', '--older-than', '7d', '--state-dir', state]);
  assert.equal(real.code, 0, real.stderr);
  assert.match(real.stdout, /deleted .*\.healer-prune-77-0badf00d, left by an interrupted prune/);
  assert.ok(!(await readdir(state)).some((n) => n.startsWith('.healer-prune-')), 'no trash left');
});

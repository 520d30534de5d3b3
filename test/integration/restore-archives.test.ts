/**
 * Hostile artifact archives, served as real zip files: every one is refused whole, nothing is written outside the
 * project folder, and nothing partial is left inside it (a good entry before the bad one is not written either).
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildZip, type ZipItem } from '../helpers/artifact-server.js';
import { runCli } from '../helpers/cli.js';
import { CANARY, resumedPipeline, snapshot, type Scenario } from '../helpers/restore-scenario.js';

/** Serve `items` as build-linux's artifacts (and `second` as build-win's), run restore, check nothing changed. */
async function refused(
  items: ZipItem[],
  reason: RegExp,
  { env = {}, second, prepare }: { env?: Record<string, string>; second?: ZipItem[]; prepare?: (s: Scenario) => Promise<void> } = {},
): Promise<void> {
  const s = await resumedPipeline();
  try {
    await writeFile(join(s.project, 'README.md'), 'the checkout\n');
    await prepare?.(s);
    s.server.answerJob(42, 901, { kind: 'zip', body: await buildZip(items) });
    if (second) s.server.answerJob(42, 902, { kind: 'zip', body: await buildZip(second) });
    const needs = second ? '["build-linux","build-win"]' : '["build-linux"]';
    const beforeAll = await snapshot(s.base);
    const result = await runCli(['restore'], { env: { ...s.env, HEALER_NEEDS: needs, ...env } });
    assert.equal(result.code, 1, `expected a refusal, got: ${result.stdout}${result.stderr}`);
    assert.match(result.stderr, reason);
    assert.equal(result.stderr.trim().split('\n').length, 1, `one line: ${result.stderr}`);
    assert.ok(!result.stderr.includes(CANARY) && !result.stdout.includes(CANARY));
    assert.deepEqual(await snapshot(s.base), beforeAll, 'nothing written inside or outside the project folder');
  } finally {
    await s.cleanup();
  }
}

const good: ZipItem = { name: 'dist/app.js', data: 'console.log(1)\n' };

test('zip-slip entries are refused', async () => {
  await refused([good, { name: '../evil.txt', data: 'x' }], /refused: "\.\.\/evil\.txt": '\.\.' in the path/);
  await refused([good, { name: 'dist/../../evil.txt', data: 'x' }], /'\.\.' in the path/);
  await refused([good, { name: 'a/../b.txt', data: 'x' }], /'\.\.' in the path/);
});

test('absolute paths and Windows tricks are refused', async () => {
  await refused([good, { name: '/tmp/healer-evil-abs.txt', data: 'x' }], /absolute path/);
  await refused([good, { name: 'C:/evil.txt', data: 'x' }], /absolute path/);
  await refused([good, { name: '..\\evil.txt', data: 'x' }], /backslash in the name/);
  await refused([good, { name: 'dist\\..\\..\\evil.txt', data: 'x' }], /backslash in the name/);
  await assert.rejects(readFile('/tmp/healer-evil-abs.txt'));
});

test('links pointing out, files written through links, and chains of links are refused', async () => {
  await refused([good, { name: 'dist/etc', symlink: '/etc' }], /link "dist\/etc" points to an absolute path/);
  await refused([good, { name: 'dist/up', symlink: '../../..' }], /link "dist\/up" points outside the folder/);
  await refused([{ name: 'out', symlink: '.' }, { name: 'out/evil.txt', data: 'x' }], /"out\/evil\.txt" lies under the link "out"/);
  await refused([{ name: 'b/c', symlink: '..' }, { name: 'a', symlink: 'b/c/..' }], /link "a" points through another link \("b\/c"\)/);
  await refused([good, { name: '.git/hooks/post-checkout', data: '#!/bin/sh\n', mode: 0o100755 }], /\.git folder/);
});

test('a link already in the project folder is never written through', async () => {
  let outside = '';
  await refused([good, { name: 'cache/loot.txt', data: 'x' }], /"cache\/loot\.txt" would be written through the link "cache" in the project folder/, {
    prepare: async (s) => {
      outside = join(s.base, 'outside');
      await mkdir(outside);
      await symlink(outside, join(s.project, 'cache'));
    },
  });
});

test('zip bombs: a declared size over the limit, a lying size, too much in total, too many files', async () => {
  const zeros = Buffer.alloc(8 * 1024 * 1024);
  const limits = { HEALER_RESTORE_MAX_FILE_SIZE: '1m' };
  await refused([good, { name: 'bomb.bin', data: zeros }], /"bomb\.bin" is 8 MiB, over the limit of 1 MiB per file/, { env: limits });
  // The central directory claims 100 bytes; the data inflates to 8 MiB. The bytes counted are the real ones.
  await refused([good, { name: 'liar.bin', data: zeros, declaredSize: 100 }], /refused: "liar\.bin" inflates to more than the 100 B it declares/, { env: limits });
  // Over the total, across two archives: the first archive (fine alone) is not written either.
  const half = Buffer.alloc(700 * 1024, 7);
  await refused([{ name: 'one.bin', data: half }], /build-win .* refused: it unpacks to more than the limit of 1 MiB per restore/, {
    env: { HEALER_RESTORE_MAX_SIZE: '1m' },
    second: [{ name: 'two.bin', data: half }],
  });
  const many = Array.from({ length: 30 }, (_, i) => ({ name: `f/${i}.txt`, data: String(i) }));
  await refused(many, /30 entries, over the limit of 20 files per restore/, { env: { HEALER_RESTORE_MAX_FILES: '20' } });
});

test('devices, duplicates, a file that is also a folder, and a non-zip are refused', async () => {
  await refused([good, { name: 'dev', data: '', mode: 0o020644 }], /not a regular file, folder or link/);
  await refused([good, good], /"dist\/app\.js" appears twice/);
  await refused([{ name: 'dist', data: 'x' }, good], /"dist" is both a file and a folder/);
  const s = await resumedPipeline();
  try {
    s.server.answerJob(42, 901, { kind: 'zip', body: Buffer.from('<html>login</html>') });
    const result = await runCli(['restore'], { env: { ...s.env, HEALER_NEEDS: '["build-linux"]' } });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /refused: not a readable zip archive/);
    assert.deepEqual(await snapshot(s.project), []);
  } finally {
    await s.cleanup();
  }
});

test('links that stay inside are restored as links; set-id bits are dropped', async () => {
  const s = await resumedPipeline();
  try {
    s.server.answerJob(42, 901, {
      kind: 'zip',
      body: await buildZip([
        { name: 'node_modules/tool/cli.js', data: 'cli', mode: 0o104755 },
        { name: 'node_modules/.bin/tool', symlink: '../tool/cli.js' },
      ]),
    });
    const result = await runCli(['restore'], { env: { ...s.env, HEALER_NEEDS: '["build-linux"]' } });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await readlink(join(s.project, 'node_modules/.bin/tool')), '../tool/cli.js');
    assert.equal(await readFile(join(s.project, 'node_modules/.bin/tool'), 'utf8'), 'cli');
    const files = await snapshot(s.project);
    assert.ok(files.includes('node_modules/.bin/tool -> ../tool/cli.js'));
    const { stat } = await import('node:fs/promises');
    assert.equal((await stat(join(s.project, 'node_modules/tool/cli.js'))).mode & 0o7777, 0o755);
  } finally {
    await s.cleanup();
  }
});

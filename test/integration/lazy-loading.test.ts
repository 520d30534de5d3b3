/**
 * `healer stage` runs in every CI job: it must not load the GitLab client, the YAML parser, ajv's compiler or the
 * config validator. `healer scan` validates with generated code too, and never loads @gitbeaker.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BIN, REPO_ROOT, tempDir } from '../helpers/cli.js';

async function loads(args: string[], config?: unknown, env: Record<string, string> = {}): Promise<string[]> {
  const { dir, cleanup } = await tempDir('healer-loads-');
  try {
    if (config !== undefined) await writeFile(join(dir, 'healer.config.json'), JSON.stringify(config));
    const log = join(dir, 'loads.txt');
    const tracer = join(REPO_ROOT, 'dist', 'test', 'helpers', 'load-tracer.js');
    const run = spawnSync(process.execPath, ['--import', tracer, BIN, ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: dir, HEALER_TRACE_LOADS: log, HEALER_STATE_DIR: dir, ...env },
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, run.stderr);
    return (await readFile(log, 'utf8')).split('\n').filter(Boolean);
  } finally {
    await cleanup();
  }
}

const COMPILER = /node_modules\/ajv\/dist\/(ajv|core|compile\/index)\.js$/;

describe('what each command loads', () => {
  it('healer stage through the full CLI: no GitLab client, no YAML, no ajv compiler, no config', async () => {
    // (Its usual fast path is one bundled file; the full CLI must stay light too.)
    const urls = await loads(['stage', 'build', 'in_progress', '--pipeline-id', '7', '--job', 'b'], undefined, { HEALER_NO_FAST_PATH: '1' });
    assert.ok(urls.some((u) => u.endsWith('/dist/src/commands/stage.js')), 'the tracer works');
    for (const bad of [COMPILER, /@gitbeaker/, /node_modules\/yaml\//, /\/src\/gitlab\//, /config-validator|\/src\/config\.js/, /\/src\/scan\//]) {
      assert.deepEqual(urls.filter((u) => bad.test(u)), [], String(bad));
    }
  });

  it('healer scan: no ajv compiler and no @gitbeaker, even with a config file', async () => {
    const urls = await loads(['scan', '--dry-run'], { stuck_threshold: '30s', stage_thresholds: { deploy: '30m' } });
    assert.ok(urls.some((u) => u.endsWith('/dist/src/generated/config-validator.js')), 'the config file was validated');
    assert.deepEqual(urls.filter((u) => COMPILER.test(u) || /@gitbeaker/.test(u)), []);
  });
});

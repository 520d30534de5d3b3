/**
 * What each command loads. `healer stage` runs in every CI job: it must not load the GitLab client, the YAML parser,
 * the diff library, ajv's compiler, the configuration or the init code — on its fast path (dist/fast/stage.cjs) it
 * must not load the CLI at all. `healer scan` validates its config file with generated code, never ajv's compiler.
 *
 * The CLI is bundled (dist/cli/, one chunk per lazily imported command); a resolve hook records the chunks a process
 * loads, and dist/cli/meta.json (written by the build) names the source modules inside each chunk.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BIN, REPO_ROOT, tempDir } from '../helpers/cli.js';

interface Loaded {
  /** Source modules in the chunks the process loaded ('dist/src/commands/stage.js', 'node_modules/yaml/…'). */
  modules: string[];
  /** Every URL the resolve hook saw. */
  urls: string[];
}

async function loads(args: string[], { config, env = {} }: { config?: unknown; env?: Record<string, string> } = {}): Promise<Loaded> {
  const { dir, cleanup } = await tempDir('healer-loads-');
  try {
    if (config !== undefined) await writeFile(join(dir, 'healer.config.json'), JSON.stringify(config));
    const log = join(dir, 'loads.txt');
    await writeFile(log, '');
    const tracer = join(REPO_ROOT, 'dist', 'test', 'helpers', 'load-tracer.js');
    const run = spawnSync(process.execPath, ['--import', tracer, BIN, ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: dir, HEALER_TRACE_LOADS: log, HEALER_STATE_DIR: dir, ...env },
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, run.stderr);
    const urls = (await readFile(log, 'utf8')).split('\n').filter(Boolean);
    const meta = JSON.parse(await readFile(join(REPO_ROOT, 'dist', 'cli', 'meta.json'), 'utf8')) as Record<string, string[]>;
    const modules = urls
      .map((u) => /\/dist\/cli\/([^/]+\.js)$/.exec(u)?.[1])
      .filter((chunk): chunk is string => chunk !== undefined)
      .flatMap((chunk) => meta[chunk] ?? [`unknown chunk ${chunk}`]);
    return { modules, urls };
  } finally {
    await cleanup();
  }
}

const COMPILER = /node_modules\/ajv\/dist\/(ajv|core|compile\/index)\.js$/;
const STAGE_MUST_NOT_LOAD = [
  COMPILER,
  /node_modules\/yaml\//,
  /node_modules\/diff\//,
  /node_modules\/chalk\//,
  /\/src\/gitlab\//,
  /config-validator|\/src\/config\.js/,
  /\/src\/scan\//,
  /\/src\/commands\/init/,
  /\/src\/core\/ci-yaml\//,
];

describe('what each command loads', () => {
  it('healer stage (its fast path): not the CLI at all', async () => {
    const { urls } = await loads(['stage', 'build', 'in_progress', '--pipeline-id', '7', '--job', 'b']);
    assert.deepEqual(urls.filter((u) => u.includes('/dist/cli/') || u.includes('/dist/src/')), []);
  });

  it('healer stage through the full CLI: no GitLab client, YAML, diff, ajv compiler, config, init or chalk', async () => {
    const { modules } = await loads(['stage', 'build', 'in_progress', '--pipeline-id', '7', '--job', 'b'], { env: { HEALER_NO_FAST_PATH: '1' } });
    assert.ok(modules.includes('dist/src/commands/stage.js'), 'the tracer works');
    for (const bad of STAGE_MUST_NOT_LOAD) assert.deepEqual(modules.filter((m) => bad.test(m)), [], String(bad));
  });

  it('healer scan: the generated config validator, no ajv compiler, no YAML, no init', async () => {
    const { modules } = await loads(['scan', '--dry-run'], { config: { stuck_threshold: '30s', stage_thresholds: { deploy: '30m' } } });
    assert.ok(modules.includes('dist/src/generated/config-validator.js'), 'the config file was validated');
    for (const bad of [COMPILER, /@gitbeaker/, /node_modules\/yaml\//, /\/src\/commands\/init/]) {
      assert.deepEqual(modules.filter((m) => bad.test(m)), [], String(bad));
    }
  });

  it('healer restore outside a resume: neither the store nor the lock library, nor the zip reader', async () => {
    const { modules } = await loads(['restore'], { env: { CI_JOB_STAGE: 'test' } });
    assert.ok(modules.some((m) => m.includes('/src/commands/restore')), 'the tracer works');
    for (const bad of [/\/src\/store\//, /node_modules\/proper-lockfile\//, /node_modules\/yauzl\//, /\/src\/gitlab\//]) {
      assert.deepEqual(modules.filter((m) => bad.test(m)), [], String(bad));
    }
  });
});

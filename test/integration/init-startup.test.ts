/**
 * `healer stage` runs in every CI job: registering `init` in the CLI must not make it load the YAML parser, the diff
 * library or ajv. A resolve hook records every ES module the process loads. The bundled fast path
 * (dist/fast/stage.cjs) never loads the CLI at all, so this checks the commander path (HEALER_NO_FAST_PATH=1), the
 * one that shares src/cli.ts with init.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { BIN, tempDir } from '../helpers/cli.js';

describe('healer stage start-up', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => {
    ({ dir, cleanup } = await tempDir('healer-startup-'));
  });
  after(async () => cleanup());

  it('does not load yaml, diff or ajv', async () => {
    const hooks = join(dir, 'hooks.mjs');
    const register = join(dir, 'register.mjs');
    await writeFile(
      hooks,
      `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(${JSON.stringify(join(dir, 'loaded.txt'))}, r.url + '\\n');
  return r;
}
`,
    );
    await writeFile(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
    const state = join(dir, 'state');
    const r = spawnSync(process.execPath, ['--import', pathToFileURL(register).href, BIN, 'stage', 'build', 'in_progress'], {
      env: { PATH: process.env.PATH, HOME: dir, CI_PIPELINE_ID: '7', CI_JOB_NAME: 'build', HEALER_STATE_DIR: state, HEALER_NO_FAST_PATH: '1' },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const { readFile } = await import('node:fs/promises');
    const loaded = await readFile(join(dir, 'loaded.txt'), 'utf8');
    assert.match(loaded, /commands\/stage\.js/);
    for (const heavy of ['/node_modules/yaml/', '/node_modules/diff/', '/node_modules/ajv/dist/compile', '/node_modules/ajv/dist/ajv', 'commands/init']) {
      assert.ok(!loaded.includes(heavy), `healer stage loaded ${heavy}`);
    }
  });
});

/**
 * healer init's restore line and HEALER_NEEDS through the real binary: --check and the upgrade of a file written
 * before they existed, the JSON plan, and the guard under real POSIX shells (as GitLab runners run before_script).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { runCli, tempDir } from '../helpers/cli.js';

const run = promisify(execFile);

/** What healer init wrote before the restore line and HEALER_NEEDS (its real output for a two-job file). */
const OLDER = `stages: [build, test]
variables:
  HEALER_STAGES: ".pre,build,test,.post"
default:
  before_script:
    - 'npx --yes healer stage "$CI_JOB_STAGE" in_progress'
  after_script:
    - 'npx --yes healer stage --from-job-status || true'
build:
  stage: build
  script: [make]
  rules:
    - if: '$RESUME_STAGE != null && $RESUME_STAGE != "" && $RESUME_STAGE !~ /^(\\.pre|build)$/'
      when: never
    - if: '$CI_COMMIT_BRANCH || $CI_COMMIT_TAG'
      when: on_success
test:
  needs: [{ job: build, optional: true }]
  script: [make test]
  rules:
    - if: '$RESUME_STAGE != null && $RESUME_STAGE != "" && $RESUME_STAGE !~ /^(\\.pre|build|test)$/'
      when: never
    - if: '$CI_COMMIT_BRANCH || $CI_COMMIT_TAG'
      when: on_success
`;

describe('healer init upgrades older output', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => {
    ({ dir, cleanup } = await tempDir('healer-init-restore-'));
  });
  after(async () => cleanup());

  it('--check asks for the change, init makes it, then --check is satisfied', async () => {
    const file = join(dir, '.gitlab-ci.yml');
    await writeFile(file, OLDER);
    const check = await runCli(['init', '--check'], { cwd: dir });
    assert.equal(check.code, 1);
    assert.match(check.stdout, /needs changes \(1 job and global settings\)/);
    assert.equal(await readFile(file, 'utf8'), OLDER);

    const json = await runCli(['init', '--json', '--dry-run'], { cwd: dir });
    assert.equal(json.code, 0, json.stderr);
    const plan = JSON.parse(json.stdout);
    assert.deepEqual(
      plan.jobs.map((j: { job: string; changed: boolean; healer_needs: string | null }) => [j.job, j.changed, j.healer_needs]),
      [['build', false, null], ['test', true, '["build"]']],
    );
    assert.deepEqual(plan.global, ['default before_script: restore added']);

    const write = await runCli(['init', '--no-color'], { cwd: dir });
    assert.equal(write.code, 0, write.stderr);
    assert.match(write.stdout, /test \[test\]: updated\n.*\n\s+variables: HEALER_NEEDS set to '\["build"\]'/);
    const written = await readFile(file, 'utf8');
    const ci = parse(written);
    assert.deepEqual(ci.default.before_script, ['[ -z "$RESUME_STAGE" ] || npx --yes healer restore', 'npx --yes healer stage "$CI_JOB_STAGE" in_progress']);
    assert.deepEqual(ci.test.variables, { HEALER_NEEDS: '["build"]' });
    assert.equal(ci.build.variables, undefined);
    const again = await runCli(['init', '--check'], { cwd: dir });
    assert.equal(again.code, 0, again.stdout);
    assert.match(again.stdout, /up to date/);
  });
});

describe('the restore line under real shells', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let line: string;
  before(async () => {
    ({ dir, cleanup } = await tempDir('healer-init-guard-'));
    // A stand-in for healer: records that it ran and exits with STUB_EXIT.
    const stub = join(dir, 'stub healer.sh');
    await writeFile(stub, '#!/bin/sh\necho "$@" >> "$STUB_LOG"\nexit "${STUB_EXIT:-0}"\n');
    await chmod(stub, 0o755);
    await writeFile(join(dir, '.gitlab-ci.yml'), 'j:\n  script: [x]\n');
    const init = await runCli(['init', '--command', `"${stub}"`], { cwd: dir });
    assert.equal(init.code, 0, init.stderr);
    line = parse(await readFile(join(dir, '.gitlab-ci.yml'), 'utf8')).default.before_script[0];
  });
  after(async () => cleanup());

  const shells = ['sh', 'bash'];
  for (const shell of shells) {
    it(`${shell} -e: exit 0 without starting healer when RESUME_STAGE is unset or empty; runs it, and fails with it, when set`, async () => {
      const log = join(dir, `${shell}.log`);
      const sh = async (env: Record<string, string>) => {
        try {
          await run(shell, ['-ec', line], { env: { PATH: process.env.PATH, STUB_LOG: log, ...env } });
          return 0;
        } catch (error) {
          return (error as { code: number }).code;
        }
      };
      assert.equal(await sh({}), 0);
      assert.equal(await sh({ RESUME_STAGE: '' }), 0);
      await assert.rejects(readFile(log, 'utf8'), 'healer was not started');
      assert.equal(await sh({ RESUME_STAGE: 'test' }), 0);
      assert.equal(await readFile(log, 'utf8'), 'restore\n');
      assert.equal(await sh({ RESUME_STAGE: 'test', STUB_EXIT: '1' }), 1, 'a failing restore fails the job');
    });
  }
});

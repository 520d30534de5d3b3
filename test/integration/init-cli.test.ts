/** `healer init` through the real binary: modes, exit codes, bad input, scaffolds. */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { runCli, tempDir } from '../helpers/cli.js';

const CI = `# pipeline
stages: [build, test]
build:
  stage: build
  script: [make]   # compile
test:
  needs: [build]
  script: [make test]
`;

describe('healer init (CLI)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => {
    ({ dir, cleanup } = await tempDir('healer-init-cli-'));
  });
  after(async () => cleanup());

  it('--dry-run prints a unified diff and writes nothing; --check exits 1; init writes; then --check exits 0', async () => {
    const file = join(dir, '.gitlab-ci.yml');
    await writeFile(file, CI);
    const dry = await runCli(['init', '--dry-run', '--no-color'], { cwd: dir });
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^--- a\/\.gitlab-ci\.yml\n\+\+\+ b\/\.gitlab-ci\.yml\n@@ /);
    assert.match(dry.stdout, /^\+    - \{ job: build, optional: true \}|^-  needs: \[build\]/m);
    assert.doesNotMatch(dry.stdout, /\x1b\[/);
    assert.equal(await readFile(file, 'utf8'), CI);
    const check = await runCli(['init', '--check'], { cwd: dir });
    assert.equal(check.code, 1);
    assert.match(check.stdout, /needs changes/);
    assert.equal(await readFile(file, 'utf8'), CI);
    const write = await runCli(['init'], { cwd: dir });
    assert.equal(write.code, 0, write.stderr);
    assert.match(write.stdout, /wrote \.gitlab-ci\.yml/);
    const written = await readFile(file, 'utf8');
    assert.match(written, /# pipeline\n/);
    assert.match(written, /script: \[make\]   # compile/);
    const again = await runCli(['init', '--check'], { cwd: dir });
    assert.equal(again.code, 0);
    assert.match(again.stdout, /up to date/);
    const rerun = await runCli(['init'], { cwd: dir });
    assert.equal(rerun.code, 0);
    assert.equal(await readFile(file, 'utf8'), written, 'a second run changes nothing');
  });

  it('--json prints one document with the plan', async () => {
    const file = join(dir, 'other.yml');
    await writeFile(file, CI);
    const r = await runCli(['init', '--file', 'other.yml', '--json', '--dry-run'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.changed, true);
    assert.equal(doc.written, false);
    assert.deepEqual(doc.stages, ['.pre', 'build', 'test', '.post']);
    assert.equal(doc.jobs.length, 2);
    assert.ok(doc.jobs[1].actions.some((a: string) => /needs/.test(a)));
    assert.match(doc.diff, /^--- a\/other\.yml/);
  });

  for (const [what, text, pattern] of [
    ['invalid YAML', 'build:\n  script: [make\n', /invalid YAML at line \d+/],
    ['a file that is not a mapping', '- build\n- test\n', /not a mapping/],
    ['an unknown stage', 'stages: [build]\ntest:\n  stage: tset\n  script: [x]\n', /job "test" uses stage "tset"/],
  ] as const) {
    it(`bad input (${what}): one clear line, exit 2, file untouched`, async () => {
      const file = join(dir, 'bad.yml');
      await writeFile(file, text);
      for (const mode of [[], ['--dry-run'], ['--check'], ['--json']]) {
        const r = await runCli(['init', '--file', 'bad.yml', ...mode], { cwd: dir });
        assert.equal(r.code, 2, `${mode.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, pattern);
        assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
        assert.doesNotMatch(r.stderr, /at .*\.js:\d+/, 'no stack');
        assert.equal(await readFile(file, 'utf8'), text, 'bytes unchanged');
      }
    });
  }

  it('a missing file and a bad flag value are usage errors', async () => {
    const missing = await runCli(['init', '--file', 'nope.yml'], { cwd: dir });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.yml does not exist/);
    await writeFile(join(dir, 'ok.yml'), CI);
    const flag = await runCli(['init', '--file', 'ok.yml', '--workflow-rules', 'maybe'], { cwd: dir });
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /--workflow-rules must be "present" or "absent"/);
    assert.equal(await readFile(join(dir, 'ok.yml'), 'utf8'), CI);
  });
});

describe('healer init --cron / --kubernetes', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => {
    ({ dir, cleanup } = await tempDir('healer-init-scaffold-'));
  });
  after(async () => cleanup());

  it('writes a Kubernetes CronJob that forbids overlap, reads tokens from a Secret and state from a PVC', async () => {
    const r = await runCli(['init', '--kubernetes', '--out-dir', 'k8s', '--every', '10', '--gitlab-url', 'https://gitlab.example.com'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const text = await readFile(join(dir, 'k8s', 'healer-scan-cronjob.yaml'), 'utf8');
    assert.doesNotMatch(text, /\{\{/);
    const cron = parse(text);
    assert.equal(cron.kind, 'CronJob');
    assert.equal(cron.spec.schedule, '*/10 * * * *');
    assert.equal(cron.spec.concurrencyPolicy, 'Forbid');
    assert.ok(cron.spec.startingDeadlineSeconds > 0);
    const pod = cron.spec.jobTemplate.spec.template.spec;
    const container = pod.containers[0];
    assert.ok(container.resources.limits.cpu && container.resources.limits.memory);
    assert.equal(pod.volumes.find((v: { name: string }) => v.name === 'secrets').secret.secretName, 'healer-secrets');
    assert.equal(pod.volumes.find((v: { name: string }) => v.name === 'state').persistentVolumeClaim.claimName, 'healer-state');
    const env = Object.fromEntries(container.env.map((e: { name: string; value: string }) => [e.name, e.value]));
    assert.equal(env.GITLAB_URL, 'https://gitlab.example.com');
    assert.match(env.GITLAB_TOKEN_FILE, /^\/var\/run\/secrets\/healer\//);
    assert.equal(env.HEALER_STATE_DIR, '/mnt/ci-state/pipelines');
    assert.match(container.command.join(' '), /healer@\d+\.\d+\.\d+ scan/);
  });

  it('writes a crontab entry and a systemd service + timer', async () => {
    const r = await runCli(['init', '--cron', '--out-dir', 'cron'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const crontab = await readFile(join(dir, 'cron', 'healer-scan.crontab'), 'utf8');
    assert.match(crontab, /^\*\/5 \* \* \* \* flock -n .* scan/m);
    const timer = await readFile(join(dir, 'cron', 'healer-scan.timer'), 'utf8');
    assert.match(timer, /^OnCalendar=\*:0\/5$/m);
    const service = await readFile(join(dir, 'cron', 'healer-scan.service'), 'utf8');
    assert.match(service, /^Type=oneshot$/m);
    assert.match(service, /^ExecStart=.* scan$/m);
    assert.match(await readFile(join(dir, 'cron', 'healer.env.example'), 'utf8'), /GITLAB_TRIGGER_TOKEN_FILE=/);
  });

  it('never overwrites a changed file without --force', async () => {
    const path = join(dir, 'k8s', 'healer-scan-cronjob.yaml');
    await writeFile(path, 'mine\n');
    const same = await runCli(['init', '--kubernetes', '--out-dir', 'k8s'], { cwd: dir });
    assert.equal(same.code, 2);
    assert.match(same.stderr, /already exists.*--force/);
    assert.equal(await readFile(path, 'utf8'), 'mine\n');
    const forced = await runCli(['init', '--kubernetes', '--out-dir', 'k8s', '--force'], { cwd: dir });
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(await readFile(path, 'utf8'), /kind: CronJob/);
    const again = await runCli(['init', '--kubernetes', '--out-dir', 'k8s'], { cwd: dir });
    assert.equal(again.code, 0);
    assert.match(again.stdout, /unchanged/);
  });

  it('refuses bad settings', async () => {
    await mkdir(join(dir, 'x'), { recursive: true });
    const r = await runCli(['init', '--cron', '--out-dir', 'x', '--every', '90'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--every/);
  });
});

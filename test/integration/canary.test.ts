/**
 * Tokens never leave healer: canary values for the API and trigger tokens must appear nowhere — not on stdout or
 * stderr, not with --verbose or --json, not in errors (even when GitLab echoes them back), not in the records
 * written, and the trigger token never in a URL.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CliResult } from '../helpers/cli.js';
import { runCli } from '../helpers/cli.js';
import { stuckRecord, writeRecord } from '../helpers/scan-records.js';
import { stuckPipeline, world, type World } from '../helpers/world.js';

const API_CANARY = 'CANARY-api-7f3c9e1d-never-print-me';
const TRIGGER_CANARY = 'CANARY-trigger-4b2a8c6e-never-print-me';
const URL_CANARY = 'CANARY-url-5d1e9f0a-never-print-me';

describe('canary tokens appear in no output', () => {
  let w: World;
  const outputs: Array<{ what: string; result: CliResult }> = [];
  const run = async (what: string, args: string[], env: Record<string, string | undefined> = {}) => {
    const result = await runCli(args, { env: { ...w.env, ...env }, cwd: w.dir });
    outputs.push({ what, result });
    return result;
  };

  before(async () => {
    w = await world({ GITLAB_TOKEN: API_CANARY, HEALER_SUPERSEDED_CHECK: 'false' });
    const project = w.fake.state.projects.get(42)!;
    project.apiTokens.add(API_CANARY);
    project.triggerTokens.add(TRIGGER_CANARY);
    await writeFile(join(w.dir, 'trigger-token'), `${TRIGGER_CANARY}\n`);
    const now = Date.now();
    for (const id of [100, 101, 102, 103]) {
      stuckPipeline(w.fake, id, { ref: id === 101 ? 'feature/x' : 'main' });
      await writeRecord(w.stateDir, stuckRecord(id, now, { ref: id === 101 ? 'feature/x' : 'main' }));
    }
    await writeRecord(w.stateDir, '{"version": 1, "broken', 104);
    // A proxy that echoes the request's token in its error pages.
    const echo = (r: { headers: Record<string, unknown> }) => ({ message: `upstream error for PRIVATE-TOKEN ${String(r.headers['private-token'])}` });
    w.fake.fault({ method: 'GET', path: /\/pipelines\/102\/jobs$/, status: 500, times: 1000, body: echo });
    w.fake.fault({ method: 'POST', path: /\/pipelines\/103\/cancel$/, status: 403, times: 1000, body: echo });

    await run('dry run, verbose, json', ['scan', '--dry-run', '--verbose', '--json']);
    await run('wrong API token', ['scan', '--verbose'], { GITLAB_TOKEN: `${API_CANARY}-wrong` });
    await run('verbose scan', ['scan', '--verbose']);
    await run('json scan', ['scan', '--json']);
    stuckPipeline(w.fake, 105, { ref: 'feature/x' });
    await writeRecord(w.stateDir, stuckRecord(105, Date.now(), { ref: 'feature/x' }));
    await run('trigger only from a file', ['scan', '--verbose', '--json'], { GITLAB_TOKEN: '', GITLAB_TRIGGER_TOKEN_FILE: join(w.dir, 'trigger-token') });
    await run('two sources of one token', ['scan', '--verbose'], { GITLAB_TRIGGER_TOKEN: TRIGGER_CANARY, GITLAB_TRIGGER_TOKEN_FILE: join(w.dir, 'trigger-token') });
    await run('credentials in the URL', ['scan', '--verbose'], { GITLAB_URL: `https://healer:${URL_CANARY}@gitlab.example.com` });
    await run('manual resume', ['resume', '--pipeline', '100', '--verbose', '--json', '--force']);
    await run('manual resume, GitLab unreachable', ['resume', '--pipeline', '101', '--verbose'], { GITLAB_URL: 'http://127.0.0.1:9', HEALER_REQUEST_TIMEOUT: '1s' });
    await run('help', ['scan', '--help']);
  });
  after(() => w.close());

  it('the runs did what they should (so the check below means something)', () => {
    const codes = Object.fromEntries(outputs.map((o) => [o.what, o.result.code]));
    assert.deepEqual(codes, {
      'dry run, verbose, json': 1,
      'verbose scan': 1,
      'json scan': 1,
      'wrong API token': 1,
      'trigger only from a file': 1,
      'two sources of one token': 2,
      'credentials in the URL': 2,
      'manual resume': 0,
      'manual resume, GitLab unreachable': 1,
      help: 0,
    });
    const verbose = outputs.find((o) => o.what === 'verbose scan')!.result;
    assert.match(verbose.stdout, /resumed pipeline 100/);
    assert.match(verbose.stdout, /error: GitLab answered 500 while trying to list the jobs of pipeline 102 in project 42 .*\[REDACTED\]/);
    assert.match(verbose.stdout, /could not cancel pipeline 103 first: GitLab refused to cancel pipeline 103 of project 42 \(403 Forbidden\) \(GitLab: upstream error for PRIVATE-TOKEN \[REDACTED\]\)/);
    assert.match(outputs.find((o) => o.what === 'trigger only from a file')!.result.stdout, /"pipeline_id": 105,\s+"project": "42",\s+"ref": "feature\/x",\s+"action": "resume"/);
    assert.match(verbose.stderr, /api_token=env GITLAB_TOKEN/);
    assert.match(outputs.find((o) => o.what === 'wrong API token')!.result.stdout, /GitLab rejected the API token \(401 Unauthorized\).*check GITLAB_TOKEN/);
  });

  it('no canary on stdout or stderr, in any mode', () => {
    for (const { what, result } of outputs) {
      for (const canary of [API_CANARY, TRIGGER_CANARY, URL_CANARY]) {
        assert.ok(!result.stdout.includes(canary), `${what}: stdout shows ${canary}`);
        assert.ok(!result.stderr.includes(canary), `${what}: stderr shows ${canary}`);
      }
    }
  });

  it('no canary in the records written, and the trigger token never in a URL', async () => {
    let files = 0;
    for (const entry of await readdir(w.stateDir, { recursive: true })) {
      if (!entry.endsWith('.json')) continue;
      const text = await readFile(join(w.stateDir, entry), 'utf8');
      files += 1;
      for (const canary of [API_CANARY, TRIGGER_CANARY]) assert.ok(!text.includes(canary), `${entry} holds a token`);
    }
    assert.ok(files >= 4);
    assert.ok(w.fake.requests.some((r) => r.body.includes(TRIGGER_CANARY)), 'the trigger token was used (in the body)');
    for (const r of w.fake.requests) assert.ok(!r.url.includes(TRIGGER_CANARY) && !r.url.includes(API_CANARY), `${r.method} ${r.url}`);
  });
});

/**
 * The three faces of a scan's output, in-process with collecting streams: a table and progress on a terminal, one
 * timestamped line per action or problem for cron (silent when nothing happened), one JSON document with --json
 * (and then never progress).
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runScanCommand } from '../../src/commands/scan.js';
import { Output } from '../../src/output.js';
import { Redactor } from '../../src/redact.js';
import { tempDir } from '../helpers/cli.js';
import { finishedRecord, stuckRecord, writeRecord } from '../helpers/scan-records.js';

class Stream {
  text = '';
  constructor(readonly isTTY: boolean) {}
  write(chunk: string) {
    this.text += chunk;
    return true;
  }
}

describe('scan output', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => {
    ({ dir, cleanup } = await tempDir('healer-output-'));
    const now = Date.now();
    for (let id = 1; id <= 1100; id += 1) await writeRecord(dir, id === 7 ? stuckRecord(id, now) : finishedRecord(id, now));
    await writeRecord(dir, 'garbage', 2000);
  });
  after(() => cleanup());

  async function scan(tty: boolean, { json = false, state = dir, env = {} as Record<string, string> } = {}) {
    const stdout = new Stream(tty);
    const stderr = new Stream(tty);
    const out = new Output({ stdout, stderr, json, env: { NO_COLOR: '1' } });
    // No token: the plan comes from the records alone (a dry run).
    const code = await runScanCommand({ dryRun: true, stateDir: state }, { env: { GITLAB_TRIGGER_TOKEN: 'x-trigger-1', ...env }, out, now: Date.now, cwd: dir, redactor: new Redactor() });
    return { code, stdout: stdout.text, stderr: stderr.text };
  }

  it('on a terminal: progress on stderr, then a short table', async () => {
    const { code, stdout, stderr } = await scan(true);
    assert.equal(code, 1, 'the garbage record fails the scan');
    assert.match(stderr, /\r\x1b\[2Khealer scan: 500 records read, \d+ candidates?, \d+ planned/);
    assert.match(stderr, /healer scan: 1000 records read/);
    const lines = stdout.trim().split('\n');
    assert.match(lines[0]!, /^healer scan: scanned 1101 records in \d+\.\d\ds: 1 candidate, 1 planned, 0 left alone, 1 error \(dry run: nothing written\)$/);
    assert.match(lines[1]!, /^PIPELINE\s+PROJECT\s+REF\s+STAGE\s+RESULT\s+WHY$/);
    assert.match(lines[2]!, /^7\s+42\s+main\s+test\s+would resume\s+stuck: job unit-tests/);
    assert.match(lines[3]!, /^error: record .*2000\/\.ci-progress\.json is not valid JSON/);
    assert.match(lines[4]!, /^nothing to do for: 1099 no active job$/);
  });

  it('for cron: one timestamped line per action or problem, and nothing when nothing happened', async () => {
    const { stdout, stderr } = await scan(false);
    assert.equal(stderr, '', 'no progress when not on a terminal');
    const lines = stdout.trim().split('\n');
    assert.equal(lines.length, 3);
    for (const line of lines) assert.match(line, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ healer: /);
    assert.match(lines[0]!, /would resume pipeline 7 .*could not cancel it \(no API token\)/);
    assert.match(lines[1]!, /note: not checked with GitLab/);
    assert.match(lines[2]!, /error: record/);
    const { dir: empty, cleanup: done } = await tempDir('healer-empty-');
    await mkdir(join(empty, '5'));
    const quiet = await scan(false, { state: empty });
    await done();
    assert.deepEqual([quiet.code, quiet.stdout, quiet.stderr], [0, '', '']);
  });

  it('--json: one document on stdout, no progress even on a terminal', async () => {
    const { stdout, stderr } = await scan(true, { json: true });
    assert.equal(stderr, '');
    const report = JSON.parse(stdout);
    assert.equal(report.counts.records, 1101);
    assert.deepEqual(report.counts.idle, { no_active_job: 1099 });
    assert.equal(report.actions[0].pipeline_id, 7);
    assert.equal(report.errors[0].pipeline_id, 2000);
  });
});

/**
 * `npm run bench:scan`: how long `healer scan --dry-run` takes, and how much memory it needs, on state folders of
 * 10,000 and 100,000 records (1% stuck, the rest finished over the last 30 days), against the fake GitLab over
 * HTTP. healer runs as a real process, as cron runs it; its peak memory comes from the process itself
 * (process.resourceUsage().maxRSS, printed when HEALER_STATS=1). Prints the median wall time of several rounds,
 * the peak memory, and the growth factor from 10k to 100k (10 would be exactly linear). Each round also times bare
 * `node -e ''` and `healer --version` (the baselines) and the scan without a token, interleaved with the scan.
 *
 *   npm run bench:scan                      # 10k and 100k, 9 rounds each
 *   BENCH_SIZES=10000 BENCH_RUNS=9 npm run bench:scan
 *   HEALER_CONCURRENCY=16 npm run bench:scan   # passed on to healer scan
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatTimestamp } from '../src/core/time.js';
import { FakeGitLab } from '../src/sim/gitlab/server.js';
import { collectOutput } from '../src/child-output.js';
import { finishedRecord, stuckRecord } from '../test/helpers/scan-records.js';

const BIN = fileURLToPath(new URL('../../bin/healer.js', import.meta.url));
const SIZES = (process.env.BENCH_SIZES ?? '10000,100000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const TOKEN = 'bench-api-token';
const DAY = 86_400_000;

interface Run {
  wallMs: number;
  maxRssKb: number;
  lines: number;
}

function buildTree(dir: string, size: number, fake: FakeGitLab, now: number): number {
  let stuck = 0;
  for (let i = 0; i < size; i += 1) {
    const id = 1_000_000 + i;
    mkdirSync(join(dir, String(id)));
    let record;
    if (i % 100 === 0) {
      // Each stuck pipeline on its own branch, so none supersedes another; GitLab still shows its job running.
      const ref = `branch-${i}`;
      fake.state.projects.get(42)!.refs.add(ref);
      record = stuckRecord(id, now, { ref });
      fake.state.addPipeline({ id, projectId: 42, ref, jobs: [{ id: id * 10 + 1, name: 'build-app', stage: 'build', status: 'success' }, { id: id * 10 + 2, name: 'unit-tests', stage: 'test', status: 'running' }] });
      stuck += 1;
    } else {
      record = finishedRecord(id, now - Math.floor((i / size) * 30 * DAY));
    }
    writeFileSync(join(dir, String(id), '.ci-progress.json'), JSON.stringify(record, null, 2) + '\n');
  }
  return stuck;
}

async function scanOnce(stateDir: string, gitlabUrl: string, token: string | null = TOKEN): Promise<Run> {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [BIN, 'scan', '--dry-run'], {
    env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), HEALER_STATE_DIR: stateDir, GITLAB_URL: gitlabUrl, HEALER_STATS: '1', ...(process.env.HEALER_CONCURRENCY ? { HEALER_CONCURRENCY: process.env.HEALER_CONCURRENCY } : {}), ...(token ? { GITLAB_TOKEN: token } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { code, stdout, stderr } = await collectOutput(child);
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const stats = /healer-stats (\{.*\})/.exec(stderr);
  if (code !== 0 || !stats) throw new Error(`healer scan exited ${code}:\n${stdout.slice(0, 2000)}\n${stderr.slice(0, 2000)}`);
  const parsed = JSON.parse(stats[1]!) as { max_rss_kb: number };
  return { wallMs, maxRssKb: parsed.max_rss_kb, lines: stdout.split('\n').filter((l) => l.includes('would resume')).length };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function startOnce(args: string[]): Promise<number> {
  const started = process.hrtime.bigint();
  await new Promise((resolve) => spawn(process.execPath, args, { stdio: 'ignore', env: { PATH: process.env.PATH ?? '' } }).on('close', resolve));
  return Number(process.hrtime.bigint() - started) / 1e6;
}

async function main(): Promise<void> {
  const fake = await FakeGitLab.start({ keepLog: false });
  fake.state.addProject({ id: 42, path: 'group/app', apiTokens: [TOKEN] });
  const root = mkdtempSync(join(tmpdir(), 'healer-bench-'));
  const results: Array<{ size: number; stuck: number; wall: number; min: number; rssMb: number; recordsOnly: number; node: number; version: number }> = [];
  try {
    for (const size of SIZES) {
      const dir = join(root, String(size));
      mkdirSync(dir);
      const built = Date.now();
      const stuck = buildTree(dir, size, fake, Date.now());
      // Let the kernel write the new files out first: a scan timed while it flushes 10,000 fresh files measures the
      // flush. (cron scans a folder whose records were written minutes or days before.)
      spawnSync('sync', { stdio: 'ignore' });
      console.log(`built ${size} records (${stuck} stuck) in ${((Date.now() - built) / 1000).toFixed(1)} s; ${RUNS} rounds after a warm-up`);
      await scanOnce(dir, fake.url); // warm the page cache, like a cron job that runs every few minutes
      // Each round runs every case once, so that a machine that slows down or speeds up meanwhile shifts all alike:
      // bare Node, healer --version, the scan with GitLab, the scan from the records alone (no token: GitLab never asked).
      const runs: Run[] = [];
      const alone: Run[] = [];
      const node: number[] = [];
      const version: number[] = [];
      for (let i = 0; i < RUNS; i += 1) {
        node.push(await startOnce(['-e', '']));
        version.push(await startOnce([BIN, '--version']));
        runs.push(await scanOnce(dir, fake.url));
        alone.push(await scanOnce(dir, fake.url, null));
      }
      for (const run of runs) if (run.lines !== stuck) throw new Error(`expected ${stuck} planned resumes, got ${run.lines}`);
      results.push({
        recordsOnly: median(alone.map((r) => r.wallMs)),
        size,
        stuck,
        wall: median(runs.map((r) => r.wallMs)),
        min: Math.min(...runs.map((r) => r.wallMs)),
        rssMb: Math.max(...runs.map((r) => r.maxRssKb)) / 1024,
        node: median(node),
        version: median(version),
      });
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    await fake.close();
    rmSync(root, { recursive: true, force: true });
  }
  console.log(`\nhealer scan --dry-run, ${RUNS} rounds each, on ${formatTimestamp(Date.now())}`);
  console.log('records   stuck  median wall  fastest   peak memory   without GitLab   node -e \'\'   healer --version');
  for (const r of results) {
    console.log(
      `${String(r.size).padStart(7)}  ${String(r.stuck).padStart(6)}  ${r.wall.toFixed(0).padStart(8)} ms  ${r.min.toFixed(0).padStart(5)} ms  ${r.rssMb.toFixed(1).padStart(7)} MB   ${r.recordsOnly.toFixed(0).padStart(8)} ms   ${r.node.toFixed(0).padStart(6)} ms   ${r.version.toFixed(0).padStart(8)} ms`,
    );
  }
  if (results.length >= 2) {
    const [a, b] = [results[0]!, results[results.length - 1]!];
    console.log(`growth ${a.size} → ${b.size} records (×${b.size / a.size}): wall time ×${(b.wall / a.wall).toFixed(2)}, memory ×${(b.rssMb / a.rssMb).toFixed(2)}`);
  }
}

await main();

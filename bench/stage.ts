/**
 * bench:stage — the cost healer adds to every CI job. Median wall time of `healer stage X done` (a real process
 * writing a real record under its lock) next to bare `node -e ''` measured in the same run, interleaved so both
 * see the same machine load. Prints figures; asserts nothing.
 *   npm run bench:stage [-- --runs 80]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/healer.js', import.meta.url));
const runsArg = process.argv.indexOf('--runs');
const RUNS = Math.max(50, runsArg > 0 ? Number(process.argv[runsArg + 1]) : 60);

function time(args: string[], env: NodeJS.ProcessEnv): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const state = mkdtempSync(join(tmpdir(), 'healer-bench-stage-'));
try {
  const env = {
    PATH: process.env.PATH,
    HEALER_STATE_DIR: state,
    CI_PIPELINE_ID: '1',
    CI_JOB_NAME: 'bench',
    CI_PROJECT_ID: '42',
    CI_COMMIT_REF_NAME: 'main',
  };
  const cases: Record<string, string[]> = {
    "node -e ''": ['-e', ''],
    'healer --version': [BIN, '--version'],
    'healer stage X done': [BIN, 'stage', 'build', 'done'],
  };
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (const args of Object.values(cases)) time(args, env); // warm the file cache
  for (let i = 0; i < RUNS; i += 1) {
    for (const [name, args] of Object.entries(cases)) samples[name]!.push(time(args, env));
  }
  const base = median(samples["node -e ''"]!);
  console.log(`bench:stage — ${RUNS} runs each, interleaved, Node ${process.version}, ${new Date().toISOString()}`);
  console.log('case                   median ms   p10 ms   p90 ms   ratio to node');
  for (const [name, values] of Object.entries(samples)) {
    const sorted = [...values].sort((a, b) => a - b);
    const p = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
    console.log(
      `${name.padEnd(22)} ${median(values).toFixed(1).padStart(9)} ${p(0.1).toFixed(1).padStart(8)} ${p(0.9).toFixed(1).padStart(8)}   ${(median(values) / base).toFixed(2).padStart(6)}`,
    );
  }
  const ratio = median(samples['healer stage X done']!) / base;
  console.log(`healer stage adds ${(median(samples['healer stage X done']!) - base).toFixed(1)} ms to Node's start-up (ratio ${ratio.toFixed(2)}, goal <= 1.25)`);
} finally {
  rmSync(state, { recursive: true, force: true });
}

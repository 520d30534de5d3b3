/** Run the real built binary as a child process, the way CI jobs and cron run it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { collectOutput } from '../../src/child-output.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const BIN = join(REPO_ROOT, 'bin', 'healer.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  input?: string;
  timeoutMs?: number;
  /** Start from an empty environment (plus PATH/HOME) instead of inheriting CI_* from the test runner. */
  cleanEnv?: boolean;
}

/** Variables of the runner's own environment that must not leak into the CLI under test. */
function baseEnv(clean: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    if (clean && !['PATH', 'HOME', 'TMPDIR', 'LANG', 'SystemRoot'].includes(key)) continue;
    if (/^(CI_|GITLAB_|HEALER_|RESUME_STAGE|NO_COLOR|FORCE_COLOR|NODE_TEST)/.test(key)) continue;
    out[key] = value;
  }
  return out;
}

export function startCli(args: string[], options: CliOptions = {}): ChildProcess {
  const env: Record<string, string> = { ...baseEnv(options.cleanEnv ?? true) };
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return spawn(process.execPath, [BIN, ...args], { cwd: options.cwd ?? REPO_ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return collectOutput(startCli(args, options), { timeoutMs: options.timeoutMs ?? 60_000, input: options.input });
}

/** A fresh temp folder per test; removed by the returned cleanup. */
export async function tempDir(prefix = 'healer-test-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * A scan test's world: a fake GitLab with project 42 (tokens below), a temp state folder, and the environment that
 * points healer at both, with short timeouts so nothing waits long.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProgressRecord } from '../../src/core/record.js';
import { FakeGitLab } from '../../src/sim/gitlab/server.js';
import type { FakePipeline, JobInput } from '../../src/sim/gitlab/state.js';
import { runCli, tempDir, type CliResult } from './cli.js';

export const API_TOKEN = 'glpat-api-token-for-tests-0001';
export const TRIGGER_TOKEN = 'glptt-trigger-token-for-tests-0002';

export interface World {
  fake: FakeGitLab;
  stateDir: string;
  dir: string;
  env: Record<string, string>;
  scan(args?: string[], env?: Record<string, string | undefined>): Promise<CliResult>;
  json(args?: string[], env?: Record<string, string | undefined>): Promise<{ result: CliResult; report: ScanJson }>;
  record(id: number): Promise<ProgressRecord>;
  close(): Promise<void>;
}

export interface ScanJson {
  ok: boolean;
  started_at: string;
  finished_at: string;
  counts: { records: number; parsed: number; candidates: number; actions: number; skipped: number; errors: number; idle: Record<string, number> };
  actions: Array<{ pipeline_id: number; status: string; stage: string; cancel: string; reason: string; new_pipeline: { id: number; url: string | null } | null; error: string | null; notes: string[]; recovered: boolean; ref: string; project: string; attempt: number; at?: string }>;
  skipped: Array<{ pipeline_id: number; code: string; reason: string; notify: boolean }>;
  errors: Array<{ pipeline_id: number | null; message: string }>;
}

export async function world(env: Record<string, string> = {}): Promise<World> {
  const fake = await FakeGitLab.start();
  fake.state.addProject({ id: 42, path: 'group/app', refs: ['main', 'feature/x'], apiTokens: [API_TOKEN], triggerTokens: [TRIGGER_TOKEN] });
  const { dir, cleanup } = await tempDir('healer-scan-');
  const stateDir = join(dir, 'state');
  await mkdir(stateDir);
  const base: Record<string, string> = {
    HEALER_STATE_DIR: stateDir,
    GITLAB_URL: fake.url,
    GITLAB_TOKEN: API_TOKEN,
    HEALER_REQUEST_TIMEOUT: '5s',
    HEALER_SCAN_TIMEOUT: '60s',
    HEALER_RETRY_BASE: '20ms',
    ...env,
  };
  const scan = (args: string[] = [], extra: Record<string, string | undefined> = {}) => runCli(['scan', ...args], { env: { ...base, ...extra }, cwd: dir });
  return {
    fake,
    stateDir,
    dir,
    env: base,
    scan,
    async json(args = [], extra = {}) {
      const result = await scan(['--json', ...args], extra);
      let report: ScanJson;
      try {
        report = JSON.parse(result.stdout) as ScanJson;
      } catch {
        throw new Error(`scan --json printed no JSON (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
      }
      return { result, report };
    },
    async record(id: number) {
      return JSON.parse(await readFile(join(stateDir, String(id), '.ci-progress.json'), 'utf8')) as ProgressRecord;
    },
    async close() {
      await fake.close();
      await cleanup();
    },
  };
}

/** GitLab's side of stuckRecord(id): build succeeded, unit-tests "running" on a runner that vanished. */
export function stuckPipeline(fake: FakeGitLab, id: number, extra: { ref?: string; status?: string; jobs?: JobInput[] } = {}): FakePipeline {
  return fake.state.addPipeline({
    id,
    projectId: 42,
    ref: extra.ref ?? 'main',
    status: extra.status ?? 'running',
    jobs: extra.jobs ?? [
      { id: id * 10 + 1, name: 'build-app', stage: 'build', status: 'success' },
      { id: id * 10 + 2, name: 'unit-tests', stage: 'test', status: 'running' },
      { id: id * 10 + 3, name: 'deploy', stage: 'deploy', status: 'created' },
    ],
  });
}

export const creates = (fake: FakeGitLab) => fake.requests.filter((r) => r.method === 'POST' && /\/(pipeline|trigger\/pipeline)$/.test(r.path));
export const writes = (fake: FakeGitLab) => fake.requests.filter((r) => r.method !== 'GET');

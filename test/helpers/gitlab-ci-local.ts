/**
 * Running gitlab-ci-local 4.73.0 (shell executor, no Docker) on a throwaway git repository, with a clean environment
 * and its own home folder, as the init tests do.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './cli.js';

export const run = promisify(execFile);
const GCL = join(REPO_ROOT, 'node_modules', 'gitlab-ci-local', 'dist', 'index.js');
const GIT_ENV = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' };

export async function gitRepo(dir: string, ci: string): Promise<void> {
  await writeFile(join(dir, '.gitlab-ci.yml'), ci);
  const env = { ...process.env, ...GIT_ENV };
  await run('git', ['init', '-q', '-b', 'main', dir], { env });
  await run('git', ['-C', dir, 'add', '-A'], { env });
  await run('git', ['-C', dir, 'commit', '-q', '-m', 'ci'], { env });
}

export async function gitCommitAll(dir: string, message: string): Promise<void> {
  await run('git', ['-C', dir, 'commit', '-q', '-am', message], { env: { ...process.env, ...GIT_ENV } });
}

export interface GclResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function gcl(dir: string, home: string, args: string[]): Promise<GclResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [GCL, '--home', home, '--no-json-schema-validation', ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: home, LANG: 'C.UTF-8' },
      maxBuffer: 16 * 1024 * 1024,
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** `--variable K=V` arguments. */
export function variables(vars: Record<string, string>): string[] {
  return Object.entries(vars).flatMap(([k, v]) => ['--variable', `${k}=${v}`]);
}

/** The lines a job printed (gitlab-ci-local prefixes them with the padded job name and `>`). */
export function jobOutput(stdout: string, job: string): string[] {
  const prefix = new RegExp(`^${job.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+> `);
  return stdout.split('\n').filter((l) => prefix.test(l)).map((l) => l.replace(prefix, ''));
}

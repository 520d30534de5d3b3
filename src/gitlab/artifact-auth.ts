/**
 * Where artifact downloads go and with which token. An API token given explicitly (GITLAB_TOKEN, or
 * GITLAB_TOKEN_FILE for a secret mounted as a file) is sent as PRIVATE-TOKEN; otherwise the job's own CI_JOB_TOKEN is
 * sent as JOB-TOKEN, which GitLab accepts for the artifacts of the job's own project. Every token is registered with
 * the redactor the moment it is read.
 */
import { readFile } from 'node:fs/promises';
import { HealerError } from '../errors.js';
import type { Redactor } from '../redact.js';

type Env = Record<string, string | undefined>;

export interface ArtifactAuth {
  header: 'PRIVATE-TOKEN' | 'JOB-TOKEN';
  token: string;
  /** The variable the token came from, named in messages about refused access. */
  source: 'GITLAB_TOKEN' | 'GITLAB_TOKEN_FILE' | 'CI_JOB_TOKEN';
}

const set = (value: string | undefined): value is string => value !== undefined && value.trim() !== '';

export async function artifactAuthFromEnv(env: Env, redactor: Redactor): Promise<ArtifactAuth> {
  redactor.add(env.CI_JOB_TOKEN);
  redactor.add(env.GITLAB_TOKEN);
  if (set(env.GITLAB_TOKEN)) return { header: 'PRIVATE-TOKEN', token: env.GITLAB_TOKEN.trim(), source: 'GITLAB_TOKEN' };
  if (set(env.GITLAB_TOKEN_FILE)) {
    let text: string;
    try {
      text = await readFile(env.GITLAB_TOKEN_FILE, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      throw new HealerError('config', `GITLAB_TOKEN_FILE ${env.GITLAB_TOKEN_FILE} cannot be read (${code})`, {
        hint: 'mount the token file there, or unset GITLAB_TOKEN_FILE to use CI_JOB_TOKEN',
      });
    }
    redactor.add(text);
    const token = text.trim();
    if (token === '') throw new HealerError('config', `GITLAB_TOKEN_FILE ${env.GITLAB_TOKEN_FILE} is empty`);
    return { header: 'PRIVATE-TOKEN', token, source: 'GITLAB_TOKEN_FILE' };
  }
  if (set(env.CI_JOB_TOKEN)) return { header: 'JOB-TOKEN', token: env.CI_JOB_TOKEN.trim(), source: 'CI_JOB_TOKEN' };
  throw new HealerError('config', 'no token to download artifacts: CI_JOB_TOKEN is not set', {
    hint: 'run inside a GitLab CI job, or set GITLAB_TOKEN (an access token with the read_api scope)',
  });
}

/** The REST API base: GITLAB_URL (+ /api/v4), else CI_API_V4_URL, else CI_SERVER_URL + /api/v4. */
export function apiBaseFromEnv(env: Env): URL {
  const candidates: Array<[string, string | undefined, boolean]> = [
    ['GITLAB_URL', env.GITLAB_URL, true],
    ['CI_API_V4_URL', env.CI_API_V4_URL, false],
    ['CI_SERVER_URL', env.CI_SERVER_URL, true],
  ];
  for (const [name, value, addPath] of candidates) {
    if (!set(value)) continue;
    let url: URL;
    try {
      url = new URL(value.trim());
    } catch {
      throw new HealerError('config', `${name}=${JSON.stringify(value).slice(0, 80)} is not a URL`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new HealerError('config', `${name} must be an http(s) URL`);
    if (url.username || url.password) throw new HealerError('config', `${name} must not carry credentials; use GITLAB_TOKEN`);
    let path = url.pathname.replace(/\/+$/, '');
    if (addPath && !path.endsWith('/api/v4')) path += '/api/v4';
    url.pathname = path;
    url.search = '';
    url.hash = '';
    return url;
  }
  throw new HealerError('config', 'no GitLab URL: neither GITLAB_URL nor CI_API_V4_URL is set', {
    hint: 'run inside a GitLab CI job, or set GITLAB_URL (e.g. https://gitlab.example.com)',
  });
}

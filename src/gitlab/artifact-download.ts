/**
 * Download one job's artifacts archive: GET /projects/:id/jobs/:job_id/artifacts, streamed to a file.
 * Plain fetch, no GitLab client: it is one binary GET.
 *
 * - Redirects (GitLab sends object-storage downloads to a CDN) are followed by hand, at most 5, and only to https or
 *   to the API's own origin (loopback addresses count as secure, as in browsers). The token is sent to the API's
 *   origin only: once a redirect leaves it, no later request carries it.
 * - Time is bounded: the whole download by `timeoutMs`, and a body that stops flowing by `idleMs`.
 * - Size is bounded: a Content-Length over `maxBytes` is refused before reading, and the stream is cut at `maxBytes`.
 * - 429, 5xx and network failures are retried (a GET is safe to repeat) with backoff, honouring Retry-After.
 * - 404/410 raise MissingArtifactsError (the job kept none, or they expired); 401/403 name the token to fix.
 */
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { formatDuration } from '../core/time.js';
import { formatSize } from '../core/units.js';
import { HealerError } from '../errors.js';
import type { ArtifactAuth } from './artifact-auth.js';

export interface DownloadRequest {
  apiBase: URL;
  projectId: number | string;
  jobId: number;
  /** How the job is named in messages, e.g. "build-linux (job 901, pipeline 41928)". */
  label: string;
  auth: ArtifactAuth;
  dest: string;
  maxBytes: number;
  timeoutMs: number;
  idleMs?: number;
  retries?: number;
  backoffMs?: number;
  fetchImpl?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

/** The job has no artifacts to give: none were kept, or they expired or were deleted (404), or are gone (410). */
export class MissingArtifactsError extends HealerError {
  readonly status: number;
  constructor(status: number, message: string, hint: string) {
    super('gitlab', message, { hint });
    this.status = status;
  }
}

const MAX_REDIRECTS = 5;
const RETRY_STATUSES = new Set([429, 500, 502, 503, 504]);
const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function isLoopback(url: URL): boolean {
  return url.hostname === 'localhost' || url.hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(url.hostname);
}

function secureOrSameOrigin(next: URL, origin: string): boolean {
  return next.origin === origin || next.protocol === 'https:' || (next.protocol === 'http:' && isLoopback(next));
}

function refusedAccess(status: number, req: DownloadRequest): HealerError {
  const { source } = req.auth;
  const jobToken = source === 'CI_JOB_TOKEN';
  const what = status === 401 ? `${source} was not accepted (401 Unauthorized)` : `${source} may not read them (403 Forbidden)`;
  const hint =
    status === 401
      ? jobToken
        ? 'CI_JOB_TOKEN is valid only while its job runs; or set GITLAB_TOKEN to an access token with the read_api scope'
        : `${source} is invalid, expired or revoked: create a token with the read_api scope`
      : jobToken
        ? "allow this project's job token to read its artifacts (Settings > CI/CD > Job token permissions; artifacts:access), or set GITLAB_TOKEN with read_api"
        : `${source} needs the read_api scope and at least the Reporter role on the project`;
  return new HealerError('gitlab', `GitLab refused the artifacts of ${req.label}: ${what}`, { hint });
}

function retryDelay(res: Response | null, attempt: number, base: number): number {
  const header = res?.headers.get('retry-after');
  if (header && /^\d{1,6}$/.test(header.trim())) return Math.min(Number(header) * 1000, 30_000);
  return base * 2 ** attempt * (0.5 + Math.random() / 2);
}

export async function downloadArtifacts(req: DownloadRequest): Promise<{ bytes: number }> {
  const doFetch = req.fetchImpl ?? fetch;
  const sleep = req.sleep ?? defaultSleep;
  const retries = req.retries ?? 2;
  const deadline = Date.now() + req.timeoutMs;
  const base = req.apiBase.toString().replace(/\/+$/, '');
  const start = new URL(`${base}/projects/${encodeURIComponent(String(req.projectId))}/jobs/${req.jobId}/artifacts`);
  const timedOut = () =>
    new HealerError('gitlab', `downloading the artifacts of ${req.label} timed out after ${formatDuration(req.timeoutMs)}`, {
      hint: 'raise the bound with --timeout or HEALER_RESTORE_TIMEOUT',
    });

  for (let attempt = 0; ; attempt += 1) {
    let res: Response | null = null;
    let failure: string;
    try {
      const controller = new AbortController();
      const left = deadline - Date.now();
      if (left <= 0) throw timedOut();
      const timer = setTimeout(() => controller.abort(), left);
      try {
        res = await follow(doFetch, start, req, controller.signal);
        if (res.ok) return { bytes: await save(res, req, controller) };
      } finally {
        clearTimeout(timer);
      }
      if (res.status === 404 || res.status === 410) {
        await res.body?.cancel();
        throw new MissingArtifactsError(
          res.status,
          res.status === 410
            ? `the artifacts of ${req.label} have expired (410 Gone)`
            : `${req.label} has no artifacts to download (404): it kept none, or they expired or were deleted`,
          'keep artifacts longer with artifacts:expire_in, or re-run the whole pipeline',
        );
      }
      if (res.status === 401 || res.status === 403) {
        await res.body?.cancel();
        throw refusedAccess(res.status, req);
      }
      await res.body?.cancel();
      if (!RETRY_STATUSES.has(res.status)) {
        throw new HealerError('gitlab', `GitLab answered HTTP ${res.status} for the artifacts of ${req.label}`);
      }
      failure = `HTTP ${res.status}`;
    } catch (error) {
      if (error instanceof HealerError) throw error;
      if (Date.now() >= deadline || (error as Error).name === 'AbortError') throw timedOut();
      failure = networkReason(error);
    }
    if (attempt >= retries) {
      throw new HealerError('gitlab', `cannot download the artifacts of ${req.label}: ${failure} after ${attempt + 1} attempts`, {
        hint: `check that ${start.origin} is reachable from the runner`,
      });
    }
    const wait = Math.min(retryDelay(res, attempt, req.backoffMs ?? 1000), Math.max(0, deadline - Date.now()));
    await sleep(wait);
  }
}

function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message ?? String(error);
}

/** GET with manual redirects: https or same origin only, and the token only while on the API's origin. */
async function follow(doFetch: typeof fetch, start: URL, req: DownloadRequest, signal: AbortSignal): Promise<Response> {
  let url = start;
  let withToken = true;
  for (let hop = 0; ; hop += 1) {
    withToken &&= url.origin === start.origin;
    const headers: Record<string, string> = { accept: 'application/zip, application/octet-stream' };
    if (withToken) headers[req.auth.header] = req.auth.token;
    const res = await doFetch(url, { method: 'GET', headers, redirect: 'manual', signal });
    if (res.status < 300 || res.status >= 400 || res.status === 304) return res;
    await res.body?.cancel();
    const location = res.headers.get('location');
    if (!location) throw new HealerError('gitlab', `GitLab answered a redirect without a location for the artifacts of ${req.label}`);
    if (hop >= MAX_REDIRECTS) throw new HealerError('gitlab', `too many redirects for the artifacts of ${req.label}`);
    const next = new URL(location, url);
    if (!secureOrSameOrigin(next, start.origin)) {
      throw new HealerError('gitlab', `refusing to follow a redirect for the artifacts of ${req.label} to ${next.protocol}//${next.host} (not https)`, {
        hint: 'GitLab should redirect downloads to https object storage',
      });
    }
    url = next;
  }
}

/** Stream the body to `dest`, cutting it at maxBytes and when it stops flowing for idleMs. */
async function save(res: Response, req: DownloadRequest, controller: AbortController): Promise<number> {
  const tooLarge = () =>
    new HealerError('action', `the artifacts of ${req.label} are larger than the download limit of ${formatSize(req.maxBytes)}`, {
      hint: 'raise it with --max-download or HEALER_RESTORE_MAX_DOWNLOAD',
    });
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > req.maxBytes) {
    await res.body?.cancel();
    throw tooLarge();
  }
  const idleMs = req.idleMs ?? 60_000;
  let idle = setTimeout(() => controller.abort(), idleMs);
  let bytes = 0;
  async function* capped(body: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of body) {
      clearTimeout(idle);
      idle = setTimeout(() => controller.abort(), idleMs);
      bytes += chunk.byteLength;
      if (bytes > req.maxBytes) throw tooLarge();
      yield chunk;
    }
  }
  try {
    const body = (res.body ?? []) as unknown as AsyncIterable<Uint8Array>;
    await pipeline(capped(body), createWriteStream(req.dest, { flags: 'w', mode: 0o600 }));
    return bytes;
  } catch (error) {
    if (error instanceof HealerError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code && /^E[A-Z]+$/.test(code) && (error as { syscall?: string }).syscall) {
      throw new HealerError('action', `cannot write the artifacts of ${req.label} to ${req.dest}: ${code}`);
    }
    if (controller.signal.aborted) {
      throw new HealerError('gitlab', `the download of the artifacts of ${req.label} stalled or ran out of time`, {
        hint: 'raise the bound with --timeout or HEALER_RESTORE_TIMEOUT',
      });
    }
    throw new HealerError('gitlab', `the download of the artifacts of ${req.label} broke off: ${networkReason(error)}`);
  } finally {
    clearTimeout(idle);
  }
}

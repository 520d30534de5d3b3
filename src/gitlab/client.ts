/**
 * The GitLab REST client healer uses (src/gitlab/ is the only code that talks to GitLab).
 *
 * - Every request has a time limit (HEALER_REQUEST_TIMEOUT, default 30 s) and none starts after the scan's deadline.
 * - Reads and cancels (idempotent) are retried on 429, 5xx and network errors with backoff + jitter that honours
 *   Retry-After. Creating or triggering a pipeline is never resent blindly: only refusals that GitLab gives before
 *   acting (429, connection refused) are retried here; an ambiguous failure is left to start-pipeline.ts.
 * - The API token goes in the PRIVATE-TOKEN header; the trigger token only in the form body, never in a URL.
 */
import type { JobFacts, PipelineFacts } from '../core/facts.js';
import { backoffDelay, DEFAULT_RETRY, parseRetryAfter, realClock, type Clock, type RetryPolicy } from './backoff.js';
import { toJob, toList, toPipeline, toVariables } from './entities.js';
import { deadlineError, fromResponse, fromTransport, GitLabError, type Operation } from './errors.js';
import { createTransport, TransportError, type NodeTransport, type Transport } from './http.js';

export interface ClientOptions {
  /** The GitLab server, e.g. https://gitlab.example.com (the API lives under /api/v4). */
  baseUrl: string;
  apiToken: string | null;
  triggerToken: string | null;
  requestTimeoutMs: number;
  /** No request starts after this instant (clock time); null for no deadline. */
  deadline?: number | null;
  retry?: Partial<RetryPolicy>;
  transport?: Transport;
  clock?: Clock;
  maxSockets?: number;
  userAgent?: string;
  /** Diagnostics (retries, waits) for --verbose. */
  log?: (message: string) => void;
}

interface Call {
  op: Operation;
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string | number | undefined>;
  json?: unknown;
  form?: URLSearchParams;
  /** Safe to send again after any failure (reads, cancel). */
  idempotent: boolean;
}

interface Answer {
  body: unknown;
  headers: Record<string, string>;
}

const JOB_PAGES = 10;

export class GitLabClient {
  readonly baseUrl: string;
  readonly hasApiToken: boolean;
  readonly hasTriggerToken: boolean;
  private readonly options: ClientOptions;
  private readonly transport: Transport;
  private readonly clock: Clock;
  readonly retry: RetryPolicy;

  constructor(options: ClientOptions) {
    this.options = options;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.hasApiToken = options.apiToken !== null;
    this.hasTriggerToken = options.triggerToken !== null;
    this.transport = options.transport ?? createTransport({ maxSockets: options.maxSockets ?? 8 });
    this.clock = options.clock ?? realClock;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
  }

  close(): void {
    (this.transport as Partial<NodeTransport>).close?.();
  }

  async getPipeline(project: string, id: number): Promise<PipelineFacts> {
    const op = this.op(`read pipeline ${id} of project ${project}`, project);
    return toPipeline((await this.send({ op, method: 'GET', path: `projects/${enc(project)}/pipelines/${id}`, idempotent: true })).body);
  }

  /** The latest attempt of every job, all pages (bounded); each job also carries its pipeline's current state. */
  async listPipelineJobs(project: string, id: number): Promise<Array<JobFacts & { pipeline: PipelineFacts | null }>> {
    const op = this.op(`list the jobs of pipeline ${id} in project ${project}`, project);
    const jobs: Array<JobFacts & { pipeline: PipelineFacts | null }> = [];
    let page = 1;
    for (let n = 0; n < JOB_PAGES && page > 0; n += 1) {
      const path = `projects/${enc(project)}/pipelines/${id}/jobs`;
      const answer = await this.send({ op, method: 'GET', path, query: { per_page: 100, page }, idempotent: true });
      jobs.push(...toList(answer.body, toJob, 'pipeline jobs'));
      page = Number(answer.headers['x-next-page'] ?? '') || 0;
    }
    return jobs;
  }

  /** Pipelines of a ref, newest first (one page). */
  async listRefPipelines(project: string, ref: string, { createdAfter, perPage = 20 }: { createdAfter?: string; perPage?: number } = {}): Promise<PipelineFacts[]> {
    const op = this.op(`list the pipelines of ${ref} in project ${project}`, project, { ref });
    const query = { ref, order_by: 'id', sort: 'desc', per_page: perPage, created_after: createdAfter };
    const answer = await this.send({ op, method: 'GET', path: `projects/${enc(project)}/pipelines`, query, idempotent: true });
    return toList(answer.body, (item) => toPipeline(item), 'pipelines');
  }

  /**
   * One page of the project's pipelines, newest first (child pipelines excluded, as GitLab lists them), and whether
   * it holds all of them (a page not full).
   */
  async listProjectPipelines(project: string, { perPage = 100 }: { perPage?: number } = {}): Promise<{ pipelines: PipelineFacts[]; complete: boolean }> {
    const op = this.op(`list the newest pipelines of project ${project}`, project);
    const query = { order_by: 'id', sort: 'desc', per_page: perPage };
    const answer = await this.send({ op, method: 'GET', path: `projects/${enc(project)}/pipelines`, query, idempotent: true });
    const pipelines = toList(answer.body, (item) => toPipeline(item), 'pipelines');
    return { pipelines, complete: pipelines.length < perPage && !answer.headers['x-next-page'] };
  }

  async getPipelineVariables(project: string, id: number): Promise<Array<{ key: string; value: string }>> {
    const op = this.op(`read the variables of pipeline ${id} in project ${project}`, project);
    return toVariables((await this.send({ op, method: 'GET', path: `projects/${enc(project)}/pipelines/${id}/variables`, idempotent: true })).body);
  }

  /** Cancel is idempotent in GitLab (it answers the same for a finished pipeline), so it is retried like a read. */
  async cancelPipeline(project: string, id: number): Promise<PipelineFacts> {
    const op = this.op(`cancel pipeline ${id} of project ${project}`, project);
    return toPipeline((await this.send({ op, method: 'POST', path: `projects/${enc(project)}/pipelines/${id}/cancel`, idempotent: true })).body);
  }

  /** POST /projects/:id/pipeline with a variables array (API token). */
  async createPipeline(project: string, ref: string, variables: Record<string, string>): Promise<PipelineFacts> {
    const op: Operation = { what: `create a pipeline on ${ref} in project ${project}`, project, ref, token: 'api', creates: true };
    const json = { ref, variables: Object.entries(variables).map(([key, value]) => ({ key, value, variable_type: 'env_var' })) };
    return toPipeline((await this.send({ op, method: 'POST', path: `projects/${enc(project)}/pipeline`, json, idempotent: false })).body);
  }

  /** POST /projects/:id/trigger/pipeline; token, ref and variables[KEY] in the form body. */
  async triggerPipeline(project: string, ref: string, variables: Record<string, string>): Promise<PipelineFacts> {
    const op: Operation = { what: `trigger a pipeline on ${ref} in project ${project}`, project, ref, token: 'trigger', creates: true };
    if (this.options.triggerToken === null) throw new GitLabError('unauthorized', `no trigger token configured; cannot ${op.what}`, { hint: 'set GITLAB_TRIGGER_TOKEN' });
    const form = new URLSearchParams({ token: this.options.triggerToken, ref });
    for (const [key, value] of Object.entries(variables)) form.append(`variables[${key}]`, value);
    return toPipeline((await this.send({ op, method: 'POST', path: `projects/${enc(project)}/trigger/pipeline`, form, idempotent: false })).body);
  }

  private op(what: string, project: string, extra: Partial<Operation> = {}): Operation {
    return { what, project, token: 'api', creates: false, ...extra };
  }

  private async send(call: Call): Promise<Answer> {
    if (call.op.token === 'api' && this.options.apiToken === null) {
      throw new GitLabError('unauthorized', `no API token configured; cannot ${call.op.what}`, { hint: 'set GITLAB_TOKEN or GITLAB_TOKEN_FILE (api scope)' });
    }
    const url = new URL(`${this.baseUrl}/api/v4/${call.path}`);
    for (const [key, value] of Object.entries(call.query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': this.options.userAgent ?? 'healer' };
    if (call.op.token === 'api') headers['private-token'] = this.options.apiToken!;
    let body: string | undefined;
    if (call.json !== undefined) {
      body = JSON.stringify(call.json);
      headers['content-type'] = 'application/json';
    } else if (call.form) {
      body = call.form.toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    for (let failures = 0; ; ) {
      const now = this.clock.now();
      const left = this.options.deadline == null ? Number.POSITIVE_INFINITY : this.options.deadline - now;
      if (left <= 0) throw deadlineError(call.op);
      const timeoutMs = Math.max(1, Math.min(this.options.requestTimeoutMs, left));
      let error: GitLabError;
      try {
        const response = await this.transport({ method: call.method, url, headers, body, timeoutMs });
        if (response.status >= 200 && response.status < 300) return { body: parseJson(response.body, call.op), headers: response.headers };
        error = fromResponse(call.op, response.status, response.body, parseRetryAfter(response.headers['retry-after'], this.clock.now()));
      } catch (thrown) {
        if (!(thrown instanceof TransportError)) throw thrown;
        error = fromTransport(call.op, thrown, url.origin, timeoutMs);
      }
      failures += 1;
      // A create/trigger is resent here only when GitLab cannot have acted on it.
      const resendable = call.idempotent ? error.transient : error.transient && !error.ambiguous;
      if (!resendable || failures >= this.retry.maxAttempts) throw error;
      const wait = backoffDelay(failures, error.retryAfterMs, this.retry, this.clock.random);
      if (wait > this.retry.maxWaitMs || this.clock.now() + wait >= (this.options.deadline ?? Number.POSITIVE_INFINITY)) throw error;
      this.options.log?.(`${error.message}; retry ${failures}/${this.retry.maxAttempts - 1} in ${wait} ms`);
      await this.clock.sleep(wait);
    }
  }
}

const enc = (value: string): string => encodeURIComponent(value);

function parseJson(text: string, op: Operation): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new GitLabError('bad_response', `GitLab's answer to "${op.what}" is not JSON`, { hint: 'check that GITLAB_URL points at the GitLab server' });
  }
}

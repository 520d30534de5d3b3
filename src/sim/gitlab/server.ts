/**
 * A simulated GitLab REST API on 127.0.0.1 (random port): the GitLab of `healer demo`, and the fake GitLab of the
 * tests and benchmarks. It never listens beyond loopback. Stateful (state.ts), answering in
 * GitLab's documented shapes (entities.ts), with token checks, fault injection, a request log and extension points:
 *
 *   const fake = await FakeGitLab.start();
 *   fake.state.addProject({ id: 42, apiTokens: ['t'], triggerTokens: ['tt'] });
 *   fake.onPipelineCreated((pipeline, variables) => …);   // e.g. run it with gitlab-ci-local
 *   fake.route('GET', /^\/api\/v4\/projects\/([^/]+)\/jobs\/(\d+)\/artifacts$/, (ctx) => …);
 *   fake.fault({ method: 'POST', path: /\/pipeline$/, status: 502, after: true });   // 502 after creating
 *   fake.requests  // every request, for assertions
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { registerGitLabRoutes } from './routes.js';
import { FakeState, type FakePipeline, type FakeProject, type FakeVariable } from './state.js';

export interface LoggedRequest {
  method: string;
  /** The raw request target: path and query string, exactly as sent. */
  url: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** What the fake answered (set once it has answered). */
  response?: { status: number; body: unknown };
}

export interface RouteContext extends LoggedRequest {
  /** Capture groups of the route's pattern. */
  params: string[];
  /** The body as JSON or as a form, whichever it is. */
  fields: Record<string, unknown>;
  fake: FakeGitLab;
}

export interface FakeResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type RouteHandler = (ctx: RouteContext) => FakeResponse | Promise<FakeResponse>;
/** The artifacts zip of a job, or null when it has none. */
export type ArtifactsProvider = (projectId: number, jobId: number) => Buffer | null | Promise<Buffer | null>;
export type PipelineCreatedHook = (pipeline: FakePipeline, variables: FakeVariable[], project: FakeProject) => void | Promise<void>;

export interface Fault {
  method?: string;
  path: RegExp;
  /** Answer with this status instead of the route's (omit for a slow answer only). */
  status?: number;
  headers?: Record<string, string>;
  /** The answer's body, or a function of the request (e.g. a proxy that echoes a header back). */
  body?: unknown;
  /** Wait this long before handling the request (with `after`: after handling it, before answering). */
  delayMs?: number;
  /** Run the real route first (its side effects happen), then answer with the fault: "502 after creating". */
  after?: boolean;
  /**
   * Answer with the fault at once and run the real route this many ms later: a proxy that gave up while GitLab
   * kept working ("502, and the pipeline appears a while later").
   */
  lateMs?: number;
  /** Close the connection without an answer. */
  reset?: boolean;
  /** How many requests it applies to (default 1). */
  times?: number;
}

interface Route {
  method: string;
  pattern: RegExp;
  handler: RouteHandler;
}

export class FakeGitLab {
  readonly state: FakeState;
  readonly requests: LoggedRequest[] = [];
  url = '';
  private readonly server: http.Server;
  private readonly routes: Route[] = [];
  private readonly faults: Array<Fault & { left: number }> = [];
  private readonly hooks: PipelineCreatedHook[] = [];
  private readonly waiters: Array<{ match: (r: LoggedRequest) => boolean; resolve: (r: LoggedRequest) => void }> = [];

  /** false: keep no request log (benchmarks: the log would cost the fake time and memory). */
  private readonly keepLog: boolean;

  private constructor(now?: () => number, keepLog = true) {
    this.keepLog = keepLog;
    this.state = new FakeState(now);
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 5000;
    registerGitLabRoutes(this);
  }

  static async start({ now, keepLog }: { now?: () => number; keepLog?: boolean } = {}): Promise<FakeGitLab> {
    const fake = new FakeGitLab(now, keepLog);
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Add (or override: later routes win) an endpoint. */
  route(method: string, pattern: RegExp, handler: RouteHandler): void {
    this.routes.unshift({ method, pattern, handler });
  }

  /** Who answers GET /projects/:id/jobs/:job_id/artifacts (default: no job has artifacts). */
  artifactsOf: ArtifactsProvider = () => null;

  onPipelineCreated(hook: PipelineCreatedHook): void {
    this.hooks.push(hook);
  }

  async pipelineCreated(pipeline: FakePipeline, project: FakeProject): Promise<void> {
    for (const hook of this.hooks) await hook(pipeline, pipeline.variables, project);
  }

  fault(fault: Fault): void {
    this.faults.push({ ...fault, left: fault.times ?? 1 });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Resolves with the first matching request from index `from` of the log on (default: only requests yet to come). */
  waitForRequest(match: (r: LoggedRequest) => boolean, from = this.requests.length): Promise<LoggedRequest> {
    const seen = this.requests.slice(from).find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  requestsTo(method: string, path: RegExp): LoggedRequest[] {
    return this.requests.filter((r) => r.method === method && path.test(r.path));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = new URL(req.url ?? '/', 'http://fake');
    const logged: LoggedRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      path: decodeURIComponent(target.pathname),
      query: target.searchParams,
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    if (this.keepLog) this.requests.push(logged);
    for (const waiter of [...this.waiters]) {
      if (waiter.match(logged)) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve(logged);
      }
    }
    const fault = this.faults.find((f) => f.left > 0 && (!f.method || f.method === logged.method) && f.path.test(target.pathname));
    if (fault) fault.left -= 1;
    try {
      const delay = () => new Promise((resolve) => setTimeout(resolve, fault?.delayMs ?? 0).unref());
      if (fault?.delayMs && !fault.after) await delay();
      if (fault?.reset && !fault.after) return void req.socket.destroy();
      let answer: FakeResponse | null = null;
      if (fault?.lateMs !== undefined) {
        setTimeout(() => void this.dispatch(logged, target).catch(() => undefined), fault.lateMs).unref();
      } else if (!fault || fault.after || fault.status === undefined) answer = await this.dispatch(logged, target);
      if (fault?.delayMs && fault.after) await delay();
      if (fault?.reset) return void req.socket.destroy();
      if (fault && fault.status !== undefined) {
        const body = typeof fault.body === 'function' ? (fault.body as (r: LoggedRequest) => unknown)(logged) : fault.body;
        answer = { status: fault.status, body: body ?? { message: `${fault.status} fault` }, headers: fault.headers };
      }
      // As the client sees it (undefined fields dropped).
      if (this.keepLog) logged.response = { status: answer!.status, body: shownBody(answer!.body) };
      send(res, answer!);
    } catch (error) {
      send(res, { status: 500, body: { message: `fake GitLab bug: ${(error as Error).message}` } });
    }
  }

  private async dispatch(request: LoggedRequest, target: URL): Promise<FakeResponse> {
    for (const route of this.routes) {
      if (route.method !== request.method) continue;
      const match = route.pattern.exec(target.pathname);
      if (!match) continue;
      const params = match.slice(1).map((p) => decodeURIComponent(p));
      return route.handler({ ...request, params, fields: fieldsOf(request), fake: this });
    }
    return { status: 404, body: { error: '404 Not Found' } };
  }
}

function fieldsOf(request: LoggedRequest): Record<string, unknown> {
  const type = String(request.headers['content-type'] ?? '');
  if (type.includes('application/json')) {
    try {
      return JSON.parse(request.body) as Record<string, unknown>;
    } catch {
      return {};
    }
  }
  // Form bodies: variables[KEY]=value become { variables: { KEY: value } }, as GitLab's Grape does.
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(request.body)) {
    const nested = /^(\w+)\[([^\]]+)\]$/.exec(key);
    if (nested) {
      const bag = (out[nested[1]!] ??= {}) as Record<string, string>;
      bag[nested[2]!] = value;
    } else out[key] = value;
  }
  return out;
}

function shownBody(body: unknown): unknown {
  if (Buffer.isBuffer(body)) return `<${body.length} bytes>`;
  return typeof body === 'string' ? body : JSON.parse(JSON.stringify(body ?? null));
}

/** A Buffer is sent as it is (e.g. an artifacts zip), a string as text, anything else as JSON. */
function send(res: http.ServerResponse, answer: FakeResponse): void {
  const raw = Buffer.isBuffer(answer.body);
  const text = raw || typeof answer.body === 'string' ? (answer.body as Buffer | string) : JSON.stringify(answer.body ?? null);
  const type = raw ? 'application/octet-stream' : typeof answer.body === 'string' ? 'text/plain' : 'application/json';
  res.writeHead(answer.status, { 'content-type': type, ...answer.headers });
  res.end(text);
}

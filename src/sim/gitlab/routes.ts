/**
 * The GitLab endpoints healer uses, with GitLab's behaviour where it matters to healer: PRIVATE-TOKEN checked per
 * project (401), unknown project/pipeline (404), trigger tokens read from the body or query (404 when wrong), a
 * missing ref (400 "Reference not found"), forbidden pipeline variables (400 "Insufficient permissions to set
 * pipeline variables"), offset pagination with x-* headers and Link, cancel answering whatever the state.
 */
import * as entity from './entities.js';
import type { FakeGitLab, FakeResponse, RouteContext } from './server.js';
import type { FakePipeline, FakeProject } from './state.js';

const P = '^/api/v4/projects/([^/]+)';

export function registerGitLabRoutes(fake: FakeGitLab): void {
  const api = (method: string, path: string, handler: (ctx: RouteContext, project: FakeProject) => FakeResponse | Promise<FakeResponse>) =>
    fake.route(method, new RegExp(`${P}${path}$`), (ctx) => {
      const project = fake.state.findProject(ctx.params[0]!);
      const token = String(ctx.headers['private-token'] ?? ctx.query.get('private_token') ?? '');
      if (!project) return { status: 404, body: { message: '404 Project Not Found' } };
      if (!project.apiTokens.has(token)) return { status: 401, body: { message: '401 Unauthorized' } };
      return handler(ctx, project);
    });
  const base = () => fake.url;
  const pipelineOf = (project: FakeProject, id: string): FakePipeline | null => {
    const pipeline = fake.state.pipelines.get(Number(id));
    return pipeline && pipeline.projectId === project.id ? pipeline : null;
  };
  const notFound: FakeResponse = { status: 404, body: { message: '404 Not found' } };

  api('GET', '/pipelines', (ctx, project) => {
    const q = ctx.query;
    let list = [...fake.state.pipelines.values()].filter((p) => p.projectId === project.id);
    if (q.get('ref')) list = list.filter((p) => p.ref === q.get('ref'));
    if (q.get('status')) list = list.filter((p) => p.status === q.get('status'));
    // As GitLab: child pipelines only when asked for by source (gitlab-facts, List pipelines).
    list = q.get('source') ? list.filter((p) => p.source === q.get('source')) : list.filter((p) => p.source !== 'parent_pipeline');
    if (q.get('created_after')) list = list.filter((p) => Date.parse(p.createdAt) >= Date.parse(q.get('created_after')!));
    if (q.get('created_before')) list = list.filter((p) => Date.parse(p.createdAt) <= Date.parse(q.get('created_before')!));
    const asc = q.get('sort') === 'asc';
    list.sort((a, b) => (asc ? a.id - b.id : b.id - a.id));
    return paginate(ctx, list.map((p) => entity.pipelineBasic(p, project, base())));
  });

  api('GET', '/pipelines/(\\d+)', (ctx, project) => {
    const pipeline = pipelineOf(project, ctx.params[1]!);
    return pipeline ? { status: 200, body: entity.pipelineWithMetadata(pipeline, project, base()) } : notFound;
  });

  api('GET', '/pipelines/(\\d+)/jobs', (ctx, project) => {
    const pipeline = pipelineOf(project, ctx.params[1]!);
    if (!pipeline) return notFound;
    const scopes = [...ctx.query.getAll('scope'), ...ctx.query.getAll('scope[]')];
    const jobs = fake.state
      .jobsOf(pipeline.id)
      .filter((j) => scopes.length === 0 || scopes.includes(j.status))
      .sort((a, b) => b.id - a.id);
    return paginate(ctx, jobs.map((j) => entity.job(j, pipeline, project, base())));
  });

  // Job artifacts (the zip): an API token of the project, or a job token (JOB-TOKEN header) of the project, as
  // GitLab allows for a project's own artifacts. 404 when the job kept none (or they expired).
  fake.route('GET', new RegExp(`${P}/jobs/(\\d+)/artifacts$`), async (ctx) => {
    const project = fake.state.findProject(ctx.params[0]!);
    if (!project) return { status: 404, body: { message: '404 Project Not Found' } };
    const apiToken = String(ctx.headers['private-token'] ?? '');
    const jobToken = String(ctx.headers['job-token'] ?? '');
    if (!project.apiTokens.has(apiToken) && !project.jobTokens.has(jobToken)) return { status: 401, body: { message: '401 Unauthorized' } };
    const zip = await fake.artifactsOf(project.id, Number(ctx.params[1]));
    return zip ? { status: 200, body: zip } : { status: 404, body: { message: '404 Not Found' } };
  });

  api('GET', '/pipelines/(\\d+)/variables', (ctx, project) => {
    const pipeline = pipelineOf(project, ctx.params[1]!);
    return pipeline ? { status: 200, body: pipeline.variables.map(entity.variable) } : notFound;
  });

  api('POST', '/pipelines/(\\d+)/cancel', (ctx, project) => {
    const pipeline = pipelineOf(project, ctx.params[1]!);
    if (!pipeline) return notFound;
    return { status: 201, body: entity.pipeline(fake.state.cancel(pipeline.id), project, base()) };
  });

  api('POST', '/pipeline', async (ctx, project) => {
    const ref = typeof ctx.fields.ref === 'string' ? ctx.fields.ref : '';
    const raw = Array.isArray(ctx.fields.variables) ? (ctx.fields.variables as Array<Record<string, unknown>>) : [];
    const variables = Object.fromEntries(raw.map((v) => [String(v.key), String(v.value ?? '')]));
    return create(ctx, project, ref, variables, 'api');
  });

  // Trigger: no PRIVATE-TOKEN; the trigger token authenticates (body, or query as GitLab also accepts).
  fake.route('POST', new RegExp(`${P}/trigger/pipeline$`), (ctx) => {
    const project = fake.state.findProject(ctx.params[0]!);
    const token = String(ctx.fields.token ?? ctx.query.get('token') ?? '');
    if (!project || !project.triggerTokens.has(token)) return { status: 404, body: { message: '404 Not Found' } };
    const ref = String(ctx.fields.ref ?? ctx.query.get('ref') ?? '');
    const raw = ctx.fields.variables && typeof ctx.fields.variables === 'object' ? (ctx.fields.variables as Record<string, unknown>) : {};
    return create(ctx, project, ref, Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, String(v)])), 'trigger');
  });

  async function create(ctx: RouteContext, project: FakeProject, ref: string, variables: Record<string, string>, source: string): Promise<FakeResponse> {
    if (ref === '') return { status: 400, body: { error: 'ref is missing' } };
    if (!project.refs.has(ref)) return { status: 400, body: { message: { base: ['Reference not found'] } } };
    if (Object.keys(variables).length > 0 && project.variablesForbidden) {
      return { status: 400, body: { message: { base: ['Insufficient permissions to set pipeline variables'] } } };
    }
    const pipeline = fake.state.addPipeline({ projectId: project.id, ref, status: 'created', source, variables });
    await ctx.fake.pipelineCreated(pipeline, project);
    return { status: 201, body: entity.pipeline(pipeline, project, base()) };
  }
}

/** GitLab's offset pagination: page, per_page (default 20, max 100), x-* headers and a Link header. */
function paginate(ctx: RouteContext, items: unknown[]): FakeResponse {
  const perPage = Math.min(100, Math.max(1, Number(ctx.query.get('per_page') ?? 20) || 20));
  const page = Math.max(1, Number(ctx.query.get('page') ?? 1) || 1);
  const pages = Math.max(1, Math.ceil(items.length / perPage));
  const next = page < pages ? page + 1 : null;
  const link = (p: number) => {
    const q = new URLSearchParams(ctx.query);
    q.set('page', String(p));
    q.set('per_page', String(perPage));
    return `<${ctx.fake.url}${ctx.path}?${q}>`;
  };
  const links = [next ? `${link(next)}; rel="next"` : null, `${link(1)}; rel="first"`, `${link(pages)}; rel="last"`].filter(Boolean);
  return {
    status: 200,
    body: items.slice((page - 1) * perPage, page * perPage),
    headers: {
      'x-page': String(page),
      'x-per-page': String(perPage),
      'x-next-page': next ? String(next) : '',
      'x-prev-page': page > 1 ? String(page - 1) : '',
      'x-total': String(items.length),
      'x-total-pages': String(pages),
      link: links.join(', '),
    },
  };
}

/**
 * The fake GitLab's world: projects (refs, tokens, the "pipeline variables forbidden" setting), pipelines with their
 * variables, and jobs. Tests build it directly and change it while healer runs (scriptable status changes).
 */
export interface FakeProject {
  id: number;
  path: string;
  refs: Set<string>;
  apiTokens: Set<string>;
  triggerTokens: Set<string>;
  /** CI_JOB_TOKEN values of the project's running jobs: they may download the project's artifacts. */
  jobTokens: Set<string>;
  /** "Minimum role to use pipeline variables" above the token's role: any variable is refused. */
  variablesForbidden: boolean;
}

export interface FakeVariable {
  key: string;
  value: string;
  variable_type: string;
}

export interface FakePipeline {
  id: number;
  iid: number;
  projectId: number;
  ref: string;
  sha: string;
  status: string;
  source: string;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  variables: FakeVariable[];
}

export interface FakeJob {
  id: number;
  pipelineId: number;
  name: string;
  stage: string;
  status: string;
  failureReason: string | null;
  allowFailure: boolean;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface ProjectInput {
  id: number;
  path?: string;
  refs?: string[];
  apiTokens?: string[];
  triggerTokens?: string[];
  jobTokens?: string[];
  variablesForbidden?: boolean;
}

export interface JobInput {
  id?: number;
  name: string;
  stage: string;
  status?: string;
  failureReason?: string | null;
  allowFailure?: boolean;
}

export interface PipelineInput {
  id?: number;
  projectId: number;
  ref?: string;
  sha?: string;
  status?: string;
  source?: string;
  createdAt?: string;
  variables?: Record<string, string>;
  jobs?: JobInput[];
}

const FINISHED = new Set(['success', 'failed', 'canceled', 'skipped']);
const CANCELABLE = new Set(['created', 'waiting_for_resource', 'preparing', 'pending', 'running', 'manual', 'scheduled', 'waiting_for_callback']);

export class FakeState {
  readonly projects = new Map<number, FakeProject>();
  readonly pipelines = new Map<number, FakePipeline>();
  readonly jobs = new Map<number, FakeJob>();
  private nextPipelineId = 1000;
  private nextJobId = 50_000;
  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  iso(ms = this.now()): string {
    return new Date(ms).toISOString();
  }

  addProject(input: ProjectInput): FakeProject {
    const project: FakeProject = {
      id: input.id,
      path: input.path ?? `group/project-${input.id}`,
      refs: new Set(input.refs ?? ['main']),
      apiTokens: new Set(input.apiTokens ?? []),
      triggerTokens: new Set(input.triggerTokens ?? []),
      jobTokens: new Set(input.jobTokens ?? []),
      variablesForbidden: input.variablesForbidden ?? false,
    };
    this.projects.set(project.id, project);
    return project;
  }

  findProject(idOrPath: string): FakeProject | undefined {
    if (/^\d+$/.test(idOrPath)) return this.projects.get(Number(idOrPath));
    return [...this.projects.values()].find((p) => p.path === idOrPath);
  }

  addPipeline(input: PipelineInput): FakePipeline {
    const id = input.id ?? this.nextPipelineId++;
    this.nextPipelineId = Math.max(this.nextPipelineId, id + 1);
    const createdAt = input.createdAt ?? this.iso();
    const status = input.status ?? 'running';
    const pipeline: FakePipeline = {
      id,
      iid: id - 900,
      projectId: input.projectId,
      ref: input.ref ?? 'main',
      sha: input.sha ?? `${id.toString(16).padStart(8, '0')}${'0'.repeat(32)}`,
      status,
      source: input.source ?? 'push',
      createdAt,
      updatedAt: createdAt,
      startedAt: status === 'created' || status === 'pending' ? null : createdAt,
      finishedAt: FINISHED.has(status) ? createdAt : null,
      variables: Object.entries(input.variables ?? {}).map(([key, value]) => ({ key, value, variable_type: 'env_var' })),
    };
    this.pipelines.set(id, pipeline);
    for (const job of input.jobs ?? []) this.addJob(id, job);
    return pipeline;
  }

  addJob(pipelineId: number, input: JobInput): FakeJob {
    const id = input.id ?? this.nextJobId++;
    this.nextJobId = Math.max(this.nextJobId, id + 1);
    const status = input.status ?? 'created';
    const job: FakeJob = {
      id,
      pipelineId,
      name: input.name,
      stage: input.stage,
      status,
      failureReason: input.failureReason ?? null,
      allowFailure: input.allowFailure ?? false,
      createdAt: this.iso(),
      startedAt: status === 'created' || status === 'pending' ? null : this.iso(),
      finishedAt: FINISHED.has(status) ? this.iso() : null,
    };
    this.jobs.set(id, job);
    return job;
  }

  jobsOf(pipelineId: number): FakeJob[] {
    return [...this.jobs.values()].filter((job) => job.pipelineId === pipelineId);
  }

  setPipelineStatus(id: number, status: string): void {
    const pipeline = this.pipelines.get(id);
    if (!pipeline) throw new Error(`fake GitLab: no pipeline ${id}`);
    pipeline.status = status;
    pipeline.updatedAt = this.iso();
    if (FINISHED.has(status)) pipeline.finishedAt = pipeline.updatedAt;
  }

  setJobStatus(id: number, status: string, failureReason: string | null = null): void {
    const job = this.jobs.get(id);
    if (!job) throw new Error(`fake GitLab: no job ${id}`);
    job.status = status;
    job.failureReason = failureReason;
    if (FINISHED.has(status)) job.finishedAt = this.iso();
  }

  /**
   * How long a running job stays `canceling` after a cancel (GitLab 17+: its runner runs after_script first), in
   * ms: 0 cancels at once; Infinity never confirms (the runner is gone; GitLab drops it after an hour).
   */
  cancelingMs = 0;

  /** GitLab's cancel: every job that has not finished is canceled, then the pipeline. Finished ones stay. */
  cancel(id: number): FakePipeline {
    const pipeline = this.pipelines.get(id)!;
    const graceful = this.cancelingMs > 0;
    const canceling: FakeJob[] = [];
    for (const job of this.jobsOf(id)) {
      if (graceful && job.status === 'running') canceling.push(job);
      else if (CANCELABLE.has(job.status)) this.setJobStatus(job.id, 'canceled');
    }
    for (const job of canceling) this.setJobStatus(job.id, 'canceling');
    if (CANCELABLE.has(pipeline.status)) this.setPipelineStatus(id, canceling.length > 0 ? 'canceling' : 'canceled');
    if (canceling.length > 0 && Number.isFinite(this.cancelingMs)) {
      setTimeout(() => {
        for (const job of canceling) if (job.status === 'canceling') this.setJobStatus(job.id, 'canceled');
        if (pipeline.status === 'canceling') this.setPipelineStatus(id, 'canceled');
      }, this.cancelingMs).unref();
    }
    return pipeline;
  }
}

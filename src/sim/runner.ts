/**
 * A simulated GitLab runner for `healer demo`: it runs the pipelines the simulated GitLab creates, stage by stage,
 * and each job records its progress with healer's own recording code, exactly as `healer stage` does in a real job
 * (same record, same lock, same CI variables). A job can be told to hang in some attempts: it records
 * `in_progress`, then never reports again while GitLab keeps showing it running — a runner that lost contact.
 *
 * GitLab's side follows what `healer init` makes GitLab do: in a pipeline started with RESUME_STAGE=S, the jobs of
 * the stages before S are not in the pipeline at all.
 */
import { recordJob, resolveTarget } from '../commands/job-recorder.js';
import type { JobStatus } from '../core/record.js';
import type { FakeGitLab } from './gitlab/server.js';
import type { FakePipeline, FakeProject } from './gitlab/state.js';

export interface SimJob {
  name: string;
  stage: string;
  /** How long the job's script runs. */
  ms: number;
  /** Attempts (0 = the original pipeline, 1 = its first resume, …) in which the job hangs. */
  hangsInAttempts?: number[];
}

export interface SimPipelineSpec {
  stages: string[];
  jobs: SimJob[];
}

export type SimEventKind = 'pipeline' | 'job-start' | 'job-done' | 'job-hang' | 'job-canceled' | 'pipeline-done';

export interface SimEvent {
  at: number;
  kind: SimEventKind;
  pipelineId: number;
  job?: string;
  stage?: string;
  status?: string;
  resumeStage?: string | null;
  attempt?: number;
}

export interface SimRunnerOptions {
  fake: FakeGitLab;
  spec: SimPipelineSpec;
  stateDir: string;
  onEvent: (event: SimEvent) => void;
  now?: () => number;
  runnerName?: string;
}

const FINISHED = new Set(['success', 'failed', 'canceled', 'skipped']);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class SimRunner {
  private readonly settled = new Map<number, Promise<string>>();
  private readonly now: () => number;

  constructor(private readonly options: SimRunnerOptions) {
    this.now = options.now ?? Date.now;
    // GitLab answers the create request first; the runner picks the pipeline up right after.
    options.fake.onPipelineCreated((pipeline, _variables, project) => {
      this.start(pipeline, project);
    });
  }

  /** A pipeline started by a push, as a developer's commit would. */
  push(projectId: number, ref: string): FakePipeline {
    const pipeline = this.options.fake.state.addPipeline({ projectId, ref, source: 'push', status: 'created' });
    this.start(pipeline, this.options.fake.state.projects.get(projectId)!);
    return pipeline;
  }

  /** Resolves with the pipeline's final status (or 'hung' when one of its jobs hangs and nobody cancels it). */
  settledStatus(pipelineId: number): Promise<string> {
    return this.settled.get(pipelineId) ?? Promise.reject(new Error(`pipeline ${pipelineId} was never started`));
  }

  private start(pipeline: FakePipeline, project: FakeProject): void {
    this.settled.set(pipeline.id, this.run(pipeline, project));
  }

  private emit(event: Omit<SimEvent, 'at'>): void {
    this.options.onEvent({ at: this.now(), ...event });
  }

  private async run(pipeline: FakePipeline, project: FakeProject): Promise<string> {
    const { fake, spec } = this.options;
    const variables = Object.fromEntries(pipeline.variables.map((v) => [v.key, v.value]));
    const resumeStage = variables.RESUME_STAGE || null;
    const attempt = Number(variables.HEALER_ATTEMPT ?? 0);
    const firstStage = resumeStage === null ? 0 : Math.max(0, spec.stages.indexOf(resumeStage));
    const stages = spec.stages.slice(firstStage);
    // GitLab creates every job of the pipeline at once; rules have left out the stages before RESUME_STAGE.
    const jobs = spec.jobs
      .filter((job) => stages.includes(job.stage))
      .map((job) => ({ spec: job, api: fake.state.addJob(pipeline.id, { name: job.name, stage: job.stage, status: 'created' }) }));
    fake.state.setPipelineStatus(pipeline.id, 'running');
    this.emit({ kind: 'pipeline', pipelineId: pipeline.id, resumeStage, attempt });

    const env: Record<string, string> = {
      ...variables,
      CI_PIPELINE_ID: String(pipeline.id),
      CI_PIPELINE_IID: String(pipeline.iid),
      CI_PIPELINE_SOURCE: pipeline.source,
      CI_PIPELINE_URL: `${fake.url}/${project.path}/-/pipelines/${pipeline.id}`,
      CI_PROJECT_ID: String(project.id),
      CI_PROJECT_PATH: project.path,
      CI_COMMIT_REF_NAME: pipeline.ref,
      CI_COMMIT_SHA: pipeline.sha,
      CI_SERVER_URL: fake.url,
      CI_RUNNER_DESCRIPTION: this.options.runnerName ?? 'sim-runner',
      HEALER_STAGES: spec.stages.join(','),
    };
    for (const stage of stages) {
      const results = await Promise.all(
        jobs.filter((job) => job.spec.stage === stage).map((job) => this.runJob(pipeline, job.spec, job.api.id, env, attempt)),
      );
      if (results.includes('hung')) return 'hung';
      if (pipeline.status === 'canceled') return this.finish(pipeline, 'canceled');
      if (results.includes('failed')) return this.finish(pipeline, 'failed');
    }
    return this.finish(pipeline, 'success');
  }

  private finish(pipeline: FakePipeline, status: string): string {
    if (!FINISHED.has(pipeline.status)) this.options.fake.state.setPipelineStatus(pipeline.id, status);
    this.emit({ kind: 'pipeline-done', pipelineId: pipeline.id, status: pipeline.status });
    return pipeline.status;
  }

  private async runJob(pipeline: FakePipeline, job: SimJob, jobId: number, env: Record<string, string>, attempt: number): Promise<string> {
    const { fake, stateDir } = this.options;
    if (pipeline.status === 'canceled') return 'canceled';
    fake.state.setJobStatus(jobId, 'running');
    const jobEnv = { ...env, CI_JOB_NAME: job.name, CI_JOB_STAGE: job.stage, CI_JOB_ID: String(jobId) };
    const record = (status: JobStatus) => recordJob(resolveTarget({ stateDir }, jobEnv), job.stage, status, this.now());
    await record('in_progress');
    this.emit({ kind: 'job-start', pipelineId: pipeline.id, job: job.name, stage: job.stage });
    if (job.hangsInAttempts?.includes(attempt)) {
      // The runner lost contact: no more updates from this job; GitLab still shows it running.
      this.emit({ kind: 'job-hang', pipelineId: pipeline.id, job: job.name, stage: job.stage });
      return 'hung';
    }
    for (let waited = 0; waited < job.ms; waited += 25) {
      await sleep(Math.min(25, job.ms - waited));
      if (pipeline.status === 'canceled') {
        await record('canceled');
        this.emit({ kind: 'job-canceled', pipelineId: pipeline.id, job: job.name, stage: job.stage });
        return 'canceled';
      }
    }
    await record('done');
    fake.state.setJobStatus(jobId, 'success');
    this.emit({ kind: 'job-done', pipelineId: pipeline.id, job: job.name, stage: job.stage, status: 'success' });
    return 'success';
  }
}

/**
 * What GitLab knows about a candidate: its jobs (which carry the pipeline's state), the newer pipelines of its ref
 * (from one page of the project's newest pipelines per scan, else one request per ref), and, for an intent a crashed
 * healer left, the pipeline it may have started. Only candidates are ever asked about.
 */
import { decidedByStatus } from '../core/decide.js';
import type { Facts, JobFacts, PipelineFacts } from '../core/facts.js';
import { lineageVariables } from '../core/lineage.js';
import type { ProgressRecord } from '../core/record.js';
import { parseTimestamp } from '../core/time.js';
import type { Candidate } from '../core/triage.js';
import type { GitLabClient } from '../gitlab/client.js';
import { findLineagePipeline } from '../gitlab/start-pipeline.js';

/**
 * The pipelines that could supersede a candidate, asked as few times as possible: one page of the project's newest
 * pipelines (once per project per scan) answers for every candidate it reaches back to, since it holds every
 * pipeline newer than that candidate, on any ref. It also gives the candidate's own status, which may settle it
 * without asking for its jobs. An older candidate, or any candidate when that page cannot be had, is answered by
 * a request for its ref's newest pipelines (once per project and ref per scan).
 */
export class RecentPipelines {
  private readonly pages = new Map<string, Promise<ProjectPage | null>>();
  private readonly refs = new Map<string, Promise<PipelineFacts[]>>();

  constructor(private readonly client: GitLabClient) {}

  /** The project's newest pipelines when they reach back to pipeline `id`, else null. */
  async covering(project: string, id: number): Promise<ProjectPage | null> {
    let page = this.pages.get(project);
    if (!page) {
      // A page that cannot be had is not asked for again in this scan: the per-ref requests answer instead, and
      // report their own errors.
      page = this.client.listProjectPipelines(project, { perPage: PAGE_SIZE }).then(
        ({ pipelines, complete }) => ({ pipelines, complete, lowestId: pipelines.reduce((low, p) => Math.min(low, p.id), Number.POSITIVE_INFINITY) }),
        () => null,
      );
      this.pages.set(project, page);
    }
    const got = await page;
    return got && (got.complete || id >= got.lowestId) ? got : null;
  }

  /** One request per project and ref per scan, however many of its pipelines are candidates. */
  ofRef(project: string, ref: string): Promise<PipelineFacts[]> {
    const key = `${project}\u0000${ref}`;
    let list = this.refs.get(key);
    if (!list) {
      list = this.client.listRefPipelines(project, ref, { perPage: 20 });
      // A failed lookup is not cached: the next candidate of the ref tries again.
      list.catch(() => this.refs.delete(key));
      this.refs.set(key, list);
    }
    return list;
  }
}

export interface ProjectPage {
  pipelines: PipelineFacts[];
  complete: boolean;
  lowestId: number;
}

const PAGE_SIZE = 100;

export async function gatherFacts(
  client: GitLabClient,
  record: ProgressRecord,
  candidate: Candidate,
  { recent, supersededCheck }: { recent: RecentPipelines; supersededCheck: boolean },
): Promise<Facts> {
  const id = record.pipeline.id;
  const intent = candidate.staleIntent;
  if (intent) {
    // A crashed healer's pipeline may exist: look for it before anything else.
    const variables = lineageVariables(record, intent.stage, intent.attempt ?? 1);
    const ref = typeof intent.ref === 'string' ? intent.ref : candidate.ref;
    const [pipeline, startedByIntent] = await Promise.all([
      client.getPipeline(candidate.project, id),
      findLineagePipeline(client, { project: candidate.project, ref, variables, via: 'create', parentId: id }, parseTimestamp(intent.at)),
    ]);
    if (startedByIntent) return { pipeline, jobs: null, refPipelines: null, startedByIntent };
  }
  const pipelineOf = async (jobs: Array<JobFacts & { pipeline: PipelineFacts | null }>) =>
    jobs.find((job) => job.pipeline?.id === id)?.pipeline ?? (await client.getPipeline(candidate.project, id));
  const withoutPipeline = (jobs: Array<JobFacts & { pipeline: PipelineFacts | null }>) => jobs.map(({ pipeline: _p, ...job }) => job);
  const page = supersededCheck ? await recent.covering(candidate.project, id) : null;
  if (page) {
    const refPipelines = page.pipelines.filter((p) => p.ref === candidate.ref);
    const own = page.pipelines.find((p) => p.id === id);
    // Succeeded, skipped, canceled by a person…: decided by its status alone, no need for its jobs.
    if (own && decidedByStatus(record, candidate, own.status)) return { pipeline: own, jobs: null, refPipelines, ...(intent ? { startedByIntent: null } : {}) };
    const jobs = await client.listPipelineJobs(candidate.project, id);
    return { pipeline: await pipelineOf(jobs), jobs: withoutPipeline(jobs), refPipelines, ...(intent ? { startedByIntent: null } : {}) };
  }
  // The jobs carry their pipeline's state, so two requests answer everything (asked at once); only a pipeline
  // without jobs needs a third.
  const [jobs, refPipelines] = await Promise.all([
    client.listPipelineJobs(candidate.project, id),
    supersededCheck ? recent.ofRef(candidate.project, candidate.ref) : Promise.resolve(null),
  ]);
  return { pipeline: await pipelineOf(jobs), jobs: withoutPipeline(jobs), refPipelines, ...(intent ? { startedByIntent: null } : {}) };
}

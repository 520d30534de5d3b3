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
 *
 * Answers are kept for `maxAgeMs` (30 s): a scan that waits for cancels can run for minutes, and a push meanwhile
 * must still supersede.
 */
export class RecentPipelines {
  private readonly pages = new Map<string, { at: number; page: Promise<ProjectPage | null> }>();
  private readonly refs = new Map<string, { at: number; list: Promise<PipelineFacts[]> }>();

  constructor(
    private readonly client: GitLabClient,
    private readonly now: () => number = Date.now,
    private readonly maxAgeMs = 30_000,
  ) {}

  /** The project's newest pipelines when they reach back to pipeline `id`, else null. */
  async covering(project: string, id: number): Promise<ProjectPage | null> {
    let kept = this.pages.get(project);
    if (!kept || this.now() - kept.at > this.maxAgeMs) {
      // A page that cannot be had is not asked for again for a while: the per-ref requests answer instead, and
      // report their own errors.
      const page = this.client.listProjectPipelines(project, { perPage: PAGE_SIZE }).then(
        ({ pipelines, complete }) => ({ pipelines, complete, lowestId: pipelines.reduce((low, p) => Math.min(low, p.id), Number.POSITIVE_INFINITY) }),
        () => null,
      );
      kept = { at: this.now(), page };
      this.pages.set(project, kept);
    }
    const got = await kept.page;
    return got && (got.complete || id >= got.lowestId) ? got : null;
  }

  /** One request per project and ref, however many of its pipelines are candidates. */
  ofRef(project: string, ref: string): Promise<PipelineFacts[]> {
    const key = `${project}\u0000${ref}`;
    let kept = this.refs.get(key);
    if (!kept || this.now() - kept.at > this.maxAgeMs) {
      const list = this.client.listRefPipelines(project, ref, { perPage: 20 });
      // A failed lookup is not kept: the next candidate of the ref tries again.
      list.catch(() => {
        if (this.refs.get(key)?.list === list) this.refs.delete(key);
      });
      kept = { at: this.now(), list };
      this.refs.set(key, kept);
    }
    return kept.list;
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
  const checked = intent ? { startedByIntent: null } : {};
  // The jobs carry their pipeline's state; only a pipeline without jobs needs its own request.
  const withJobs = async (jobs: Array<JobFacts & { pipeline: PipelineFacts | null }>, refPipelines: PipelineFacts[] | null): Promise<Facts> => ({
    pipeline: jobs.find((job) => job.pipeline?.id === id)?.pipeline ?? (await client.getPipeline(candidate.project, id)),
    jobs: jobs.map(({ pipeline: _p, ...job }) => job),
    refPipelines,
    ...checked,
  });
  const page = supersededCheck ? await recent.covering(candidate.project, id) : null;
  if (page) {
    const refPipelines = page.pipelines.filter((p) => p.ref === candidate.ref);
    const own = page.pipelines.find((p) => p.id === id);
    // Succeeded, skipped, canceled by a person…: decided by its status alone, no need for its jobs.
    if (own && decidedByStatus(record, candidate, own.status)) return { pipeline: own, jobs: null, refPipelines, ...checked };
    return withJobs(await client.listPipelineJobs(candidate.project, id), refPipelines);
  }
  // Two requests answer everything, asked at once.
  const [jobs, refPipelines] = await Promise.all([
    client.listPipelineJobs(candidate.project, id),
    supersededCheck ? recent.ofRef(candidate.project, candidate.ref) : Promise.resolve(null),
  ]);
  return withJobs(jobs, refPipelines);
}

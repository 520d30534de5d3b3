/**
 * What GitLab knows about a candidate: its jobs (which carry the pipeline's state), the newest pipelines of its ref
 * (once per project and ref per scan), and, for an intent a crashed healer left, the pipeline it may have started.
 * Only candidates are ever asked about.
 */
import type { Facts, PipelineFacts } from '../core/facts.js';
import { lineageVariables } from '../core/lineage.js';
import type { ProgressRecord } from '../core/record.js';
import { parseTimestamp } from '../core/time.js';
import type { Candidate } from '../core/triage.js';
import type { GitLabClient } from '../gitlab/client.js';
import { findLineagePipeline } from '../gitlab/start-pipeline.js';

export class RefPipelines {
  private readonly cache = new Map<string, Promise<PipelineFacts[]>>();

  constructor(private readonly client: GitLabClient) {}

  /** One request per project and ref per scan, however many of its pipelines are candidates. */
  get(project: string, ref: string): Promise<PipelineFacts[]> {
    const key = `${project}\u0000${ref}`;
    let list = this.cache.get(key);
    if (!list) {
      list = this.client.listRefPipelines(project, ref, { perPage: 20 });
      // A failed lookup is not cached: the next candidate of the ref tries again.
      list.catch(() => this.cache.delete(key));
      this.cache.set(key, list);
    }
    return list;
  }
}

export async function gatherFacts(
  client: GitLabClient,
  record: ProgressRecord,
  candidate: Candidate,
  { refs, supersededCheck }: { refs: RefPipelines; supersededCheck: boolean },
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
  // The jobs carry their pipeline's state, so two requests answer everything (asked at once); only a pipeline
  // without jobs needs a third.
  const [jobs, refPipelines] = await Promise.all([
    client.listPipelineJobs(candidate.project, id),
    supersededCheck ? refs.get(candidate.project, candidate.ref) : Promise.resolve(null),
  ]);
  const pipeline = jobs.find((job) => job.pipeline?.id === id)?.pipeline ?? (await client.getPipeline(candidate.project, id));
  return {
    pipeline,
    jobs: jobs.map(({ pipeline: _p, ...job }) => job),
    refPipelines,
    ...(intent ? { startedByIntent: null } : {}),
  };
}

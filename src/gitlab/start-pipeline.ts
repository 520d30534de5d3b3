/**
 * Starting the resumed pipeline without ever starting it twice.
 *
 * A create/trigger request that fails ambiguously (timeout, 5xx, connection lost after sending) may have created the
 * pipeline. Before trying again, healer waits (the request may still be finishing inside GitLab), lists the ref's
 * pipelines created since the attempt, and looks for one carrying our lineage variables
 * (GET /projects/:id/pipelines/:pipeline_id/variables). Found: that is our pipeline. Not found: one more try, once.
 * GitLab may still create the first one after that (a proxy gave up long before GitLab did): so after a resend healer
 * waits twice as long and looks once more; if a second pipeline carries our variables, the one it resent is canceled
 * and the other kept, so that one resume never leaves two pipelines running.
 * Without an API token nothing can be looked up, so the outcome is reported as unknown and nothing is resent.
 */
import type { PipelineFacts } from '../core/facts.js';
import { carriesLineage } from '../core/lineage.js';
import { formatTimestamp, parseTimestamp } from '../core/time.js';
import { backoffDelay, realClock, type Clock } from './backoff.js';
import type { GitLabClient } from './client.js';
import { GitLabError, isGitLabError } from './errors.js';

export interface StartRequest {
  project: string;
  ref: string;
  variables: Record<string, string>;
  via: 'create' | 'trigger';
  /** The resumed pipeline's id: ours is newer. */
  parentId: number;
}

export interface Started {
  pipeline: PipelineFacts;
  /** Found after an ambiguous failure instead of being created by the answer we read. */
  recovered: boolean;
  /** What went wrong on the way that the caller should report (a duplicate that could not be canceled). */
  warnings: string[];
}

/** GitLab's clock and ours may disagree: look this far before the attempt. */
const CLOCK_SKEW_MS = 5 * 60_000;
/** One resend at most, and only after a lookup found nothing. */
const MAX_SENDS = 2;
const MAX_LOOKUPS = 20;

export async function startPipeline(
  client: GitLabClient,
  request: StartRequest,
  { clock = realClock, log }: { clock?: Clock; log?: (message: string) => void } = {},
): Promise<Started> {
  const firstAttempt = clock.now();
  let waited = 0;
  for (let sends = 1; ; sends += 1) {
    try {
      const pipeline =
        request.via === 'create'
          ? await client.createPipeline(request.project, request.ref, request.variables)
          : await client.triggerPipeline(request.project, request.ref, request.variables);
      if (sends === 1) return { pipeline, recovered: false, warnings: [] };
      return await keepOne(client, request, pipeline, firstAttempt, { clock, log, wait: waited });
    } catch (error) {
      if (!isGitLabError(error) || !error.ambiguous) throw error;
      if (!client.hasApiToken) {
        throw new GitLabError('server', `${error.message}; the pipeline may or may not have been created, and without an API token healer cannot look`, {
          status: error.status,
          ambiguous: true,
          hint: 'not resent, to avoid a duplicate: check the pipelines of the ref in GitLab (set GITLAB_TOKEN so healer can check by itself)',
        });
      }
      // GitLab may still be finishing the request behind a proxy's 502 or our timeout: give it a while (10 × the
      // backoff base, 5 s by default) before concluding from the lookup that nothing was created.
      const wait = Math.max(backoffDelay(sends, error.retryAfterMs, client.retry, clock.random), 10 * client.retry.baseMs);
      log?.(`${error.message}; looking for the pipeline in ${wait} ms before deciding to resend`);
      await clock.sleep(wait);
      waited = wait;
      let found: PipelineFacts | null;
      try {
        found = await findLineagePipeline(client, request, firstAttempt);
      } catch (lookup) {
        // Not knowing whether the pipeline exists, never send again: the outcome stays unknown (and is reconciled).
        throw new GitLabError('server', `${error.message}; looking for the pipeline failed too (${(lookup as Error).message})`, {
          status: error.status,
          ambiguous: true,
          hint: 'not resent, to avoid a duplicate; a later scan looks for it again',
        });
      }
      if (found) return { pipeline: found, recovered: true, warnings: [] };
      if (sends >= MAX_SENDS) throw error;
      log?.(`no pipeline carries our lineage variables; sending again (${sends + 1}/${MAX_SENDS})`);
    }
  }
}

/**
 * After a resend: wait twice as long as before the resend, then look again. Another pipeline carrying our variables means
 * the first request did create one after all: cancel the resent one and keep that. Any trouble here leaves the
 * resent pipeline as the outcome (it exists, and is ours), with a warning when a duplicate may be running.
 */
async function keepOne(
  client: GitLabClient,
  request: StartRequest,
  resent: PipelineFacts,
  firstAttempt: number,
  { clock, log, wait }: { clock: Clock; log?: (message: string) => void; wait: number },
): Promise<Started> {
  await clock.sleep(2 * wait);
  let twin: PipelineFacts | null;
  try {
    twin = await findLineagePipeline(client, request, firstAttempt, resent.id);
  } catch (error) {
    log?.(`could not check for a late duplicate of pipeline ${resent.id}: ${(error as Error).message}`);
    return { pipeline: resent, recovered: false, warnings: [] };
  }
  if (!twin) return { pipeline: resent, recovered: false, warnings: [] };
  try {
    await client.cancelPipeline(request.project, resent.id);
  } catch (error) {
    const why = (error as Error).message;
    return { pipeline: resent, recovered: false, warnings: [`pipeline ${twin.id} also carries this resume (GitLab created it late); canceling the duplicate ${resent.id} failed: ${why}`] };
  }
  log?.(`the first request created pipeline ${twin.id} after all; canceled the resent ${resent.id}`);
  return { pipeline: twin, recovered: true, warnings: [] };
}

/**
 * A pipeline of the ref, newer than `parentId` and created since it was (`createdAt`, when known), that carries
 * HEALER_PARENT_PIPELINE_ID=parentId: a resume of it, whoever started it. Newest first; null when there is none.
 */
export async function findResumeOf(client: GitLabClient, project: string, ref: string, parentId: number, createdAt: string | null): Promise<PipelineFacts | null> {
  const since = createdAt ? parseTimestamp(createdAt) : Number.NaN;
  const isResume = (variables: Variables) => variables.some((v) => v.key === 'HEALER_PARENT_PIPELINE_ID' && v.value === String(parentId));
  return findByVariables(client, { project, ref, parentId }, Number.isNaN(since) ? null : since, isResume);
}

/**
 * The pipeline on `request.ref`, created since `sinceMs` (minus clock skew) and newer than the parent, whose
 * variables are our lineage variables (other than `except`); null when there is none.
 */
export async function findLineagePipeline(client: GitLabClient, request: StartRequest, sinceMs: number, except?: number): Promise<PipelineFacts | null> {
  return findByVariables(client, request, sinceMs, (variables) => carriesLineage(variables, request.variables), except);
}

type Variables = Array<{ key: string; value: string }>;

/** The newest pipeline of the ref, newer than the parent and created since `sinceMs` (minus clock skew), whose variables match. */
async function findByVariables(
  client: GitLabClient,
  { project, ref, parentId }: Pick<StartRequest, 'project' | 'ref' | 'parentId'>,
  sinceMs: number | null,
  matches: (variables: Variables) => boolean,
  except?: number,
): Promise<PipelineFacts | null> {
  const createdAfter = sinceMs === null ? undefined : formatTimestamp(sinceMs - CLOCK_SKEW_MS);
  const recent = await client.listRefPipelines(project, ref, { createdAfter, perPage: 50 });
  const newer = recent.filter((p) => p.id > parentId && p.id !== except).slice(0, MAX_LOOKUPS);
  for (const pipeline of newer) {
    if (matches(await client.getPipelineVariables(project, pipeline.id))) return pipeline;
  }
  return null;
}

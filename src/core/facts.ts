/**
 * What GitLab told us about a candidate, as plain data for the pure decision (src/gitlab/ turns API answers into
 * these). Statuses are GitLab's strings; unknown ones are kept as they are and treated cautiously.
 */
export interface PipelineFacts {
  id: number;
  status: string;
  ref: string | null;
  sha: string | null;
  source: string | null;
  webUrl: string | null;
  createdAt: string | null;
}

export interface JobFacts {
  id: number;
  name: string;
  stage: string;
  status: string;
  failureReason: string | null;
  allowFailure: boolean;
}

export interface Facts {
  pipeline: PipelineFacts;
  /** The pipeline's jobs (latest attempt of each), or null when they were not asked for. */
  jobs: JobFacts[] | null;
  /** Pipelines on the same ref, newest first (all that are newer than the candidate, or one page), or null when the superseded check is off. */
  refPipelines: PipelineFacts[] | null;
  /** Set when an unsettled intent was checked: the pipeline a crashed healer had already started, if found. */
  startedByIntent?: PipelineFacts | null;
}

/** GitLab statuses of a pipeline that still runs or waits to run (gitlab-facts §3.5). */
export const ACTIVE_STATUSES: ReadonlySet<string> = new Set([
  'created',
  'waiting_for_resource',
  'preparing',
  'pending',
  'running',
  'waiting_for_callback',
]);

export const isActive = (status: string): boolean => ACTIVE_STATUSES.has(status);

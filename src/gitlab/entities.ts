/**
 * GitLab's JSON turned into the plain facts the decision reads. Parsed tolerantly: unknown fields are ignored,
 * unknown statuses kept as strings, missing optional fields become null. Only a missing id is an error.
 */
import type { JobFacts, PipelineFacts } from '../core/facts.js';
import { GitLabError } from './errors.js';

type Json = Record<string, unknown>;

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const obj = (value: unknown): Json | null => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : null);

function idOf(json: Json | null, what: string): number {
  const id = json?.id;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) {
    throw new GitLabError('bad_response', `GitLab's answer for ${what} has no valid id`, {
      hint: 'GITLAB_URL may point at something that is not the GitLab API',
    });
  }
  return id;
}

export function toPipeline(value: unknown, what = 'a pipeline'): PipelineFacts {
  const json = obj(value);
  return {
    id: idOf(json, what),
    status: str(json?.status) ?? 'unknown',
    ref: str(json?.ref),
    sha: str(json?.sha),
    source: str(json?.source),
    webUrl: str(json?.web_url),
    createdAt: str(json?.created_at),
  };
}

export function toJob(value: unknown): JobFacts & { pipeline: PipelineFacts | null } {
  const json = obj(value);
  const pipeline = obj(json?.pipeline);
  return {
    id: idOf(json, 'a job'),
    name: str(json?.name) ?? '',
    stage: str(json?.stage) ?? '',
    status: str(json?.status) ?? 'unknown',
    failureReason: str(json?.failure_reason),
    allowFailure: json?.allow_failure === true,
    // Every job carries its pipeline (id, ref, sha, status, web_url): a scan needs no separate request for it.
    pipeline: pipeline && typeof pipeline.id === 'number' ? toPipeline(pipeline) : null,
  };
}

export function toVariables(value: unknown): Array<{ key: string; value: string }> {
  if (!Array.isArray(value)) throw new GitLabError('bad_response', "GitLab's answer for pipeline variables is not a list");
  return value
    .map(obj)
    .filter((v): v is Json => v !== null && typeof v.key === 'string')
    .map((v) => ({ key: v.key as string, value: typeof v.value === 'string' ? v.value : String(v.value ?? '') }));
}

export function toList<T>(value: unknown, each: (item: unknown) => T, what: string): T[] {
  if (!Array.isArray(value)) throw new GitLabError('bad_response', `GitLab's answer for ${what} is not a list`);
  return value.map(each);
}

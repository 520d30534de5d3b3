/**
 * GitLab's refusals and failures, classified: one line that says what went wrong and which setting or token to fix.
 * Messages are built from our own data and GitLab's `message` field (cut short); the output layer redacts tokens
 * anyway.
 */
import { HealerError } from '../errors.js';
import type { TransportError } from './http.js';

export type GitLabErrorCode =
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'variables_forbidden'
  | 'missing_ref'
  | 'bad_request'
  | 'rate_limited'
  | 'server'
  | 'network'
  | 'timeout'
  | 'deadline'
  | 'bad_response';

/** What was being done, for messages: "create a pipeline on main in project 42". */
export interface Operation {
  what: string;
  project: string;
  /** Which token the request carried. */
  token: 'api' | 'trigger' | 'none';
  /** The request may create something: failing after it was sent leaves its outcome unknown. */
  creates: boolean;
  ref?: string;
}

export class GitLabError extends HealerError {
  readonly code: GitLabErrorCode;
  readonly status: number | null;
  /** GitLab may have acted on the request (a create that timed out, got a 502, or lost its connection). */
  readonly ambiguous: boolean;
  /** Trying again later may succeed (429, 5xx, network, timeout). */
  readonly transient: boolean;
  /** Retry-After of a 429/503, in ms. */
  readonly retryAfterMs: number | null;

  constructor(
    code: GitLabErrorCode,
    message: string,
    { status = null, ambiguous = false, transient = false, hint, retryAfterMs = null }: {
      status?: number | null;
      ambiguous?: boolean;
      transient?: boolean;
      hint?: string;
      retryAfterMs?: number | null;
    } = {},
  ) {
    super('gitlab', message, { hint });
    this.name = 'GitLabError';
    this.code = code;
    this.status = status;
    this.ambiguous = ambiguous;
    this.transient = transient;
    this.retryAfterMs = retryAfterMs;
  }
}

export const isGitLabError = (error: unknown): error is GitLabError => error instanceof GitLabError;

/** GitLab's error text: `{"message": "..."}`, `{"message": {"base": ["..."]}}`, `{"error": "..."}`; cut short. */
export function gitlabMessage(body: string): string {
  let text = body;
  try {
    const json = JSON.parse(body) as Record<string, unknown>;
    const value = json.message ?? json.error_description ?? json.error ?? body;
    text = flatten(value);
  } catch {
    // not JSON: GitLab's plain-text answers (429 "Retry later") and proxies' HTML pages
  }
  text = text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(flatten).join('; ');
  if (value && typeof value === 'object') {
    return Object.entries(value)
      .map(([key, inner]) => (key === 'base' ? flatten(inner) : `${key} ${flatten(inner)}`))
      .join('; ');
  }
  return String(value);
}

const API_TOKEN = 'GITLAB_TOKEN (or GITLAB_TOKEN_FILE)';
const TRIGGER_TOKEN = 'GITLAB_TRIGGER_TOKEN (or GITLAB_TRIGGER_TOKEN_FILE)';

export function fromResponse(op: Operation, status: number, body: string, retryAfterMs: number | null): GitLabError {
  const said = gitlabMessage(body);
  const quote = said ? ` (GitLab: ${said})` : '';
  if (status === 400 && /insufficient permissions to set pipeline variables/i.test(said)) {
    return new GitLabError('variables_forbidden', `project ${op.project} does not let this token pass pipeline variables, so healer cannot ${op.what}${quote}`, {
      status,
      hint:
        `in project ${op.project} set Settings > CI/CD > Variables > "Minimum role to use pipeline variables" ` +
        '(ci_pipeline_variables_minimum_override_role) to a role the token has (e.g. developer), or use a token of a user with that role',
    });
  }
  if (status === 400 && /reference not found|ref.*(does not exist|not found|is invalid)/i.test(said)) {
    return new GitLabError('missing_ref', `ref ${op.ref ?? '?'} does not exist in project ${op.project}; cannot ${op.what}${quote}`, {
      status,
      hint: 'the branch or tag was deleted or renamed; resume by hand with healer resume --ref REF if it still matters',
    });
  }
  if (op.token === 'trigger' && (status === 401 || status === 403 || status === 404)) {
    return new GitLabError('unauthorized', `GitLab did not accept the trigger token for project ${op.project} (${status}); cannot ${op.what}`, {
      status,
      hint: `check ${TRIGGER_TOKEN}: it must be a pipeline trigger token of project ${op.project} (Settings > CI/CD > Pipeline trigger tokens)`,
    });
  }
  if (status === 401) {
    return new GitLabError('unauthorized', `GitLab rejected the API token (401 Unauthorized); cannot ${op.what}`, {
      status,
      hint: `check ${API_TOKEN}: the token may be wrong, expired or revoked; it needs the api scope`,
    });
  }
  if (status === 403) {
    return new GitLabError('forbidden', `GitLab refused to ${op.what} (403 Forbidden)${quote}`, {
      status,
      hint: `${API_TOKEN} needs the api scope and at least the Developer role in project ${op.project}`,
    });
  }
  if (status === 404) {
    return new GitLabError('not_found', `GitLab found nothing to ${op.what} (404)${quote}`, {
      status,
      hint: `check the project id (the record's project.id, or GITLAB_PROJECT_ID) and that ${API_TOKEN} can see project ${op.project}`,
    });
  }
  if (status === 429) {
    return new GitLabError('rate_limited', `GitLab rate limit (429) while trying to ${op.what}`, {
      status,
      transient: true,
      retryAfterMs,
      hint: 'healer backs off and retries; if this persists, run scans less often or raise the rate limit for this token',
    });
  }
  if (status >= 500) {
    return new GitLabError('server', `GitLab answered ${status} while trying to ${op.what}${quote}`, {
      status,
      transient: true,
      ambiguous: op.creates,
      retryAfterMs,
    });
  }
  return new GitLabError('bad_request', `GitLab refused to ${op.what} (${status})${quote}`, { status });
}

export function fromTransport(op: Operation, error: TransportError, origin: string, timeoutMs: number): GitLabError {
  const ambiguous = op.creates && error.sent;
  if (error.code === 'TIMEOUT') {
    return new GitLabError('timeout', `GitLab did not answer within ${Math.round(timeoutMs / 100) / 10}s while trying to ${op.what}`, {
      transient: true,
      ambiguous,
      hint: 'GitLab is slow or unreachable; raise HEALER_REQUEST_TIMEOUT if it is just slow',
    });
  }
  return new GitLabError('network', `cannot reach GitLab at ${origin} (${error.code}) while trying to ${op.what}`, {
    transient: true,
    ambiguous,
    hint: 'check GITLAB_URL and the network between healer and GitLab',
  });
}

export function deadlineError(op: Operation): GitLabError {
  return new GitLabError('deadline', `the scan's time limit ran out before healer could ${op.what}`, {
    hint: 'raise HEALER_SCAN_TIMEOUT, or look at why GitLab answers slowly',
  });
}

/**
 * The watchdog's policy: every threshold and switch the resume decision depends on, as plain data. Built by
 * src/config.ts from flags, environment, config file and defaults; the decision never reads anything else.
 */
import { own } from './names.js';

/** GitLab failure reasons that mean "the infrastructure failed, not the job's script" (gitlab-facts §3.5). */
export const DEFAULT_INFRA_FAILURE_REASONS: readonly string[] = [
  'runner_system_failure',
  'stuck_or_timeout_failure',
  'runner_unsupported',
  'scheduler_failure',
  'data_integrity_failure',
  'api_failure',
  'unknown_failure',
];

/** What the configured tokens allow: reading/cancelling needs an API token; resuming needs either token. */
export interface Capabilities {
  /** An API-scope token: GitLab can be asked about pipelines and jobs, and pipelines can be canceled. */
  api: boolean;
  /** How a resume is started: create (API token), trigger (trigger token), or null when no token is configured. */
  resumeVia: 'create' | 'trigger' | null;
}

/** What tells a stuck job from a live one; `scan`, `status` and `prune` judge records with the same. */
export interface Thresholds {
  /** A job in_progress with no update (heartbeat) for longer than this is stuck (STUCK_THRESHOLD_MINUTES). */
  stuckThresholdMs: number;
  /** Per-stage thresholds that replace stuckThresholdMs for their stage (a deploy may take 30 minutes). */
  stageThresholdsMs: Record<string, number>;
}

export interface Policy extends Thresholds {
  /** Resumes allowed over a whole lineage (root pipeline and every resume of it). */
  maxRetries: number;
  /** A lineage whose first record is older than this is never resumed. */
  maxAgeMs: number;
  infraFailureReasons: readonly string[];
  supersededCheck: boolean;
  /** An intent younger than this belongs to a healer that may still be working on it; older ones are reconciled. */
  intentTimeoutMs: number;
  /** The configured GitLab (origin + path prefix); a record of another server is never sent there. */
  gitlabUrl: string;
  /** GITLAB_PROJECT_ID / GITLAB_REF: only for records that do not name their project / ref (legacy ones). */
  fallbackProject: string | null;
  fallbackRef: string | null;
  capabilities: Capabilities;
}

/** The defaults of every setting (src/config.ts falls back to these; the old watchdog's where it had one). */
export const DEFAULT_POLICY: Policy = {
  stuckThresholdMs: 10 * 60_000,
  stageThresholdsMs: {},
  maxRetries: 2,
  maxAgeMs: 60 * 60_000,
  infraFailureReasons: DEFAULT_INFRA_FAILURE_REASONS,
  supersededCheck: true,
  intentTimeoutMs: 10 * 60_000,
  gitlabUrl: 'https://gitlab.com',
  fallbackProject: null,
  fallbackRef: null,
  capabilities: { api: false, resumeVia: null },
};

export function thresholdFor(thresholds: Thresholds, stage: string): number {
  return own(thresholds.stageThresholdsMs, stage) ?? thresholds.stuckThresholdMs;
}

/** "https://GitLab.example.com:443/" and "https://gitlab.example.com" are the same server; null if not a URL. */
export function normalizeServerUrl(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (url.username || url.password || url.search || url.hash) return null;
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.protocol}//${url.host.toLowerCase()}${path}`;
}

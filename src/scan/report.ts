/**
 * What a scan (or a manual resume) did, as data: the --json document is exactly this, and the table and cron lines
 * are drawn from it. Records with nothing to do are only counted, so the report stays small for any folder size.
 */
import type { AdoptPlan, Cause, ResumePlan } from '../core/decide.js';
import type { SkipCode } from '../core/triage.js';
import type { ActResult } from './act.js';

export interface ActionEntry {
  pipeline_id: number;
  project: string;
  ref: string | null;
  action: 'resume' | 'adopt';
  stage: string | null;
  attempt: number | null;
  cause: Cause | null;
  reason: string;
  /** planned (dry run) · canceled · failed · not_possible (no API token) · not_needed (not running). */
  cancel: 'planned' | 'canceled' | 'failed' | 'not_possible' | 'not_needed';
  status: 'planned' | 'triggered' | 'adopted' | 'failed' | 'unknown';
  new_pipeline: { id: number; url: string | null } | null;
  recovered: boolean;
  error: string | null;
  notes: string[];
  /** When it was planned or carried out (a scan that waits for cancels can take a while): UTC. */
  at?: string;
}

export interface SkipEntry {
  pipeline_id: number;
  code: SkipCode;
  reason: string;
  notify: boolean;
}

export interface ErrorEntry {
  pipeline_id: number | null;
  path: string | null;
  message: string;
}

export interface ScanReport {
  ok: boolean;
  dry_run: boolean;
  started_at: string;
  finished_at: string;
  duration_ms: number;
  state_dir: string;
  gitlab_url: string;
  tokens: { api: boolean; trigger: boolean };
  resume_via: 'create' | 'trigger' | null;
  counts: {
    records: number;
    parsed: number;
    candidates: number;
    actions: number;
    skipped: number;
    errors: number;
    /** Records with nothing to do, by reason: no_active_job, running, too_old, already_resumed, … */
    idle: Record<string, number>;
  };
  actions: ActionEntry[];
  skipped: SkipEntry[];
  errors: ErrorEntry[];
}

export function plannedAction(plan: ResumePlan | AdoptPlan): ActionEntry {
  if (plan.kind === 'adopt') {
    return {
      pipeline_id: plan.pipelineId,
      project: typeof plan.intent.project === 'string' ? plan.intent.project : '',
      ref: typeof plan.intent.ref === 'string' ? plan.intent.ref : null,
      action: 'adopt',
      stage: plan.intent.stage,
      attempt: plan.intent.attempt ?? null,
      cause: null,
      reason: plan.reason,
      cancel: 'not_needed',
      status: 'planned',
      new_pipeline: { id: plan.pipeline.id, url: plan.pipeline.webUrl },
      recovered: true,
      error: null,
      notes: [],
    };
  }
  return {
    pipeline_id: plan.pipelineId,
    project: plan.project,
    ref: plan.ref,
    action: 'resume',
    stage: plan.stage,
    attempt: plan.attempt,
    cause: plan.cause,
    reason: plan.reason,
    cancel: plan.cancel === 'cancel' ? 'planned' : plan.cancel === 'no_api_token' ? 'not_possible' : 'not_needed',
    status: 'planned',
    new_pipeline: null,
    recovered: false,
    error: null,
    notes: [...plan.notes],
  };
}

/** The planned action updated with what happened. */
export function actedAction(entry: ActionEntry, outcome: ActResult): ActionEntry {
  const cancel = outcome.canceled === true ? 'canceled' : outcome.canceled === false ? 'failed' : entry.cancel === 'planned' ? 'not_needed' : entry.cancel;
  return {
    ...entry,
    cancel,
    status: outcome.status === 'conflict' ? 'failed' : outcome.status,
    new_pipeline: outcome.pipeline ?? entry.new_pipeline,
    recovered: entry.recovered || outcome.recovered,
    error: outcome.error,
    notes: [...entry.notes, ...outcome.warnings],
  };
}

export const actionFailed = (entry: ActionEntry): boolean => entry.status === 'failed' || entry.status === 'unknown';

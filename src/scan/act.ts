/**
 * Carrying out a resume, safely:
 *   1. under the record's lock, re-read it and re-check the plan; write our intent (another healer reading it
 *      backs off; a crash leaves it to be reconciled);
 *   2. cancel the stuck pipeline (API token), so two pipelines never run the same stages; if that fails, stop;
 *      while GitLab reports it `canceling` (a live runner runs after_script first), wait for `canceled`, for at
 *      most the cancel wait (a job whose runner is gone never confirms: then go on, and say so);
 *   3. create/trigger the new pipeline on the record's ref with the lineage variables (never sent twice);
 *   4. under the lock again, settle the intent: triggered (pipeline id and url), failed, or still open when the
 *      outcome is unknown.
 * Every failure is returned as data; nothing here throws for one record's trouble.
 */
import type { AdoptPlan, ResumePlan } from '../core/decide.js';
import type { Policy } from '../core/policy.js';
import { addIntent, adoptIntent, recheck, settleIntent, type Outcome } from '../core/resume-record.js';
import { ACTIVE_STATUSES } from '../core/facts.js';
import { formatDuration, formatTimestamp } from '../core/time.js';
import { errorLine } from '../errors.js';
import { realClock, type Clock } from '../gitlab/backoff.js';
import type { GitLabClient } from '../gitlab/client.js';
import { isGitLabError } from '../gitlab/errors.js';
import { startPipeline } from '../gitlab/start-pipeline.js';
import type { FileStore } from '../store/file-store.js';

export interface ActDeps {
  store: FileStore;
  client: GitLabClient;
  policy: Policy;
  via: 'create' | 'trigger';
  /** host:pid:nonce of this healer, written into its intents. */
  owner: string;
  now: () => number;
  /** How long to wait for a canceled pipeline to leave `canceling` (0: do not wait). */
  cancelWaitMs?: number;
  /** The scan's deadline: waiting stops in time for the resume's own request to start before it. */
  deadline?: number;
  clock?: Clock;
  log?: (message: string) => void;
  /** Applied to every text written into a record: GitLab may echo a token back in an error. */
  redact?: (text: string) => string;
}

export interface ActResult {
  status: 'triggered' | 'adopted' | 'failed' | 'unknown' | 'conflict';
  pipeline: { id: number; url: string | null } | null;
  /** true canceled first; false cancel failed; null not tried. */
  canceled: boolean | null;
  recovered: boolean;
  error: string | null;
  /** Errors after the pipeline started (the record could not be updated): reported, and reconciled next time. */
  warnings: string[];
}

const result = (status: ActResult['status'], extra: Partial<ActResult> = {}): ActResult => ({
  status,
  pipeline: null,
  canceled: null,
  recovered: false,
  error: null,
  warnings: [],
  ...extra,
});

export async function carryOut(plan: ResumePlan, deps: ActDeps, { force = false } = {}): Promise<ActResult> {
  const at = formatTimestamp(deps.now());
  let conflict: string | null = null;
  try {
    await deps.store.update(plan.pipelineId, (current) => {
      if (current === null) {
        conflict = 'the record disappeared';
        return null;
      }
      conflict = recheck(current, plan, deps.now(), deps.policy, force);
      return conflict === null ? addIntent(current, plan, { at, owner: deps.owner, via: deps.via }) : null;
    });
  } catch (error) {
    return result('failed', { error: `could not write the resume intent: ${errorLine(error)}` });
  }
  if (conflict !== null) return result('conflict', { error: conflict });

  const { outcome, done } = await cancelAndStart(plan, deps);
  return settle(plan, deps, outcome, done);
}

/** `healer resume` of a pipeline that has no record: the same steps, with nothing to write. */
export async function carryOutWithoutRecord(plan: ResumePlan, deps: Omit<ActDeps, 'store'>): Promise<ActResult> {
  return (await cancelAndStart(plan, deps)).done;
}

/** Cancel first (when planned; a failed cancel stops the resume), then start the new pipeline. */
async function cancelAndStart(plan: ResumePlan, deps: Omit<ActDeps, 'store'>): Promise<{ outcome: Outcome; done: ActResult }> {
  let canceled: boolean | null = null;
  const warnings: string[] = [];
  if (plan.cancel === 'cancel') {
    try {
      const after = await deps.client.cancelPipeline(plan.project, plan.pipelineId);
      canceled = true;
      const still = await untilCanceled(plan, deps, after.status);
      if (still !== null) {
        warnings.push(
          `pipeline ${plan.pipelineId} was still ${still} when healer stopped waiting (HEALER_CANCEL_WAIT ${formatDuration(deps.cancelWaitMs ?? 0)}): ` +
            'a job\'s runner may be gone, or its after_script still runs; resumed anyway',
        );
      }
    } catch (error) {
      const message = `not resumed: could not cancel pipeline ${plan.pipelineId} first: ${errorLine(error)}`;
      return { outcome: { state: 'failed', error: message, canceled: false }, done: result('failed', { canceled: false, error: message }) };
    }
  }
  try {
    const started = await startPipeline(
      deps.client,
      { project: plan.project, ref: plan.ref, variables: plan.variables, via: deps.via, parentId: plan.pipelineId },
      { clock: deps.clock, log: deps.log },
    );
    const pipeline = { id: started.pipeline.id, url: started.pipeline.webUrl };
    return {
      outcome: { state: 'triggered', pipelineId: pipeline.id, url: pipeline.url, recovered: started.recovered, canceled },
      done: result('triggered', { pipeline, canceled, recovered: started.recovered, warnings: [...warnings, ...started.warnings] }),
    };
  } catch (error) {
    const message = errorLine(error);
    // An ambiguous failure that could not be checked: the intent stays open; the next scans reconcile it.
    const unknown = isGitLabError(error) && error.ambiguous;
    const outcome: Outcome = unknown ? { state: 'intent', error: message, canceled } : { state: 'failed', error: message, canceled };
    return { outcome, done: result(unknown ? 'unknown' : 'failed', { canceled, error: message, warnings }) };
  }
}

/** Waiting for a cancel ends this long before the scan's deadline, so that the resume can still be started. */
const DEADLINE_MARGIN_MS = 2000;

/** The pipeline's state while its jobs are being canceled: GitLab 17+ shows `canceling` until after_script ends. */
const CANCELING: ReadonlySet<string> = new Set(['canceling', ...ACTIVE_STATUSES]);

/**
 * Waits, polling with a growing pause, until GitLab no longer reports the pipeline canceling (or still running),
 * for at most the cancel wait. Returns null once it is settled, else the status it was left in. A failed poll
 * ends the wait (the cancel itself was accepted).
 */
async function untilCanceled(plan: ResumePlan, deps: Omit<ActDeps, 'store'>, status: string): Promise<string | null> {
  const clock = deps.clock ?? realClock;
  const limit = Math.min(clock.now() + (deps.cancelWaitMs ?? 0), (deps.deadline ?? Number.POSITIVE_INFINITY) - DEADLINE_MARGIN_MS);
  let pause = 250;
  while (CANCELING.has(status)) {
    const left = limit - clock.now();
    if (left <= 0) return status;
    await clock.sleep(Math.min(pause, left));
    pause = Math.min(pause * 2, 4000);
    try {
      status = (await deps.client.getPipeline(plan.project, plan.pipelineId)).status;
    } catch (error) {
      deps.log?.(`could not see whether pipeline ${plan.pipelineId} finished canceling: ${errorLine(error)}`);
      return status;
    }
  }
  return null;
}

async function settle(plan: ResumePlan, deps: ActDeps, given: Outcome, done: ActResult): Promise<ActResult> {
  const outcome: Outcome = given.state === 'triggered' || !deps.redact ? given : { ...given, error: deps.redact(given.error) };
  try {
    await deps.store.update(plan.pipelineId, (current) => (current === null ? null : settleIntent(current, deps.owner, outcome, formatTimestamp(deps.now()))));
  } catch (error) {
    const what = outcome.state === 'triggered' ? `pipeline ${outcome.pipelineId} was started, but ` : '';
    done.warnings.push(`${what}the record could not be updated (${errorLine(error)}); the next scan reconciles it`);
  }
  return done;
}

/** Record a pipeline that a crashed healer had started for its intent (found through GitLab). */
export async function adopt(plan: AdoptPlan, deps: Pick<ActDeps, 'store' | 'now'>): Promise<ActResult> {
  try {
    await deps.store.update(plan.pipelineId, (current) =>
      current === null ? null : adoptIntent(current, plan.intent, plan.pipeline.id, plan.pipeline.webUrl, formatTimestamp(deps.now())),
    );
    return result('adopted', { pipeline: { id: plan.pipeline.id, url: plan.pipeline.webUrl }, recovered: true });
  } catch (error) {
    return result('failed', { error: `could not record pipeline ${plan.pipeline.id} of an earlier intent: ${errorLine(error)}` });
  }
}

/**
 * `healer resume --pipeline ID [--from-stage S] [--ref R] [--project P] [--dry-run] [--force]`: resume one pipeline
 * by hand, with the same safety as the watchdog (intent under the record's lock, cancel first, never started twice)
 * and the same lineage limit unless --force. Works without a record when stage, ref and project are given.
 */
import type { ConfigFlags } from '../config.js';
import { planManualResume, type ManualFacts } from '../core/manual.js';
import { lineageVariables, openIntent } from '../core/lineage.js';
import type { ProgressRecord } from '../core/record.js';
import { projectOf } from '../core/triage.js';
import { checkPipelineId, checkStageName } from '../core/names.js';
import { parseTimestamp } from '../core/time.js';
import { HealerError, usageError } from '../errors.js';
import type { GitLabClient } from '../gitlab/client.js';
import { findLineagePipeline, findResumeOf } from '../gitlab/start-pipeline.js';
import { carryOut, carryOutWithoutRecord } from '../scan/act.js';
import { describeAction } from '../scan/render.js';
import { actedAction, actionFailed, plannedAction } from '../scan/report.js';
import { FileStore } from '../store/file-store.js';
import { lockOptionsFromEnv } from '../store/lock.js';
import { gitlabClient, ownerId, watchdogConfig, type ScanCommandDeps } from './scan.js';

export interface ResumeOptions extends ConfigFlags {
  pipeline?: string;
  fromStage?: string;
  ref?: string;
  project?: string;
  dryRun?: boolean;
  force?: boolean;
}

export type ResumeDeps = ScanCommandDeps;

export async function runResumeCommand(options: ResumeOptions, deps: ResumeDeps): Promise<number> {
  const { out } = deps;
  if (options.pipeline === undefined) throw usageError('no pipeline given', 'usage: healer resume --pipeline ID [--from-stage STAGE] [--ref REF] [--project ID]');
  const id = checkPipelineId(options.pipeline);
  if (!id.ok) throw usageError(id.reason);
  if (options.fromStage !== undefined) {
    const stage = checkStageName(options.fromStage);
    if (!stage.ok) throw usageError(stage.reason);
  }
  if (options.ref !== undefined && (options.ref.trim() === '' || /[\u0000-\u001f\u007f]/.test(options.ref))) throw usageError(`--ref ${JSON.stringify(options.ref)} is not a ref name`);
  const { config, policy, dryRun } = await watchdogConfig(options, deps);

  const store = new FileStore(config.stateDir, lockOptionsFromEnv(deps.env));
  const loaded = await store.read(id.value);
  const record = loaded?.record ?? null;
  if (!record) out.debug(`no record of pipeline ${id.value} in ${config.stateDir}`);
  const deadline = deps.now() + config.scanTimeoutMs;
  const client = gitlabClient(config, deadline, out);
  try {
    const project = options.project ?? (record ? projectOf(record) : null) ?? config.fallbackProject;
    const facts = client && policy.capabilities.api && project ? await manualFacts(client, project, id.value, record, options) : NO_FACTS;
    const plan = planManualResume(
      { pipelineId: id.value, fromStage: options.fromStage, ref: options.ref, project: options.project, force: options.force === true },
      record,
      facts,
      deps.now(),
      policy,
    );
    if (plan.kind !== 'resume') throw new HealerError(plan.kind === 'usage' ? 'usage' : 'action', plan.message, { hint: plan.hint });
    let entry = plannedAction(plan);
    if (!dryRun && client) {
      const via = policy.capabilities.resumeVia ?? 'trigger';
      const actDeps = { client, policy, via, owner: ownerId(), now: deps.now, cancelWaitMs: config.cancelWaitMs, deadline, log: (m: string) => out.debug(m), redact: (t: string) => deps.redactor.redact(t) };
      const outcome = record ? await carryOut(plan, { ...actDeps, store }, { force: options.force === true }) : await carryOutWithoutRecord(plan, actDeps);
      if (outcome.status === 'conflict') throw new HealerError('action', `not resumed: ${outcome.error}`);
      entry = actedAction(entry, outcome);
    }
    if (out.json) out.data({ ok: !actionFailed(entry), dry_run: dryRun, record: loaded?.path ?? null, action: entry });
    else {
      out.line(`healer: ${describeAction(entry, dryRun)}`);
      for (const note of entry.notes) out.line(`healer:   note: ${note}`);
    }
    return actionFailed(entry) ? 1 : 0;
  } finally {
    client?.close();
  }
}

const NO_FACTS: ManualFacts = { pipeline: null, jobs: null, variables: null, startedByIntent: null };

/** What GitLab says about the pipeline: its state, its jobs (stage order), its own lineage variables when there is no
 * record, and whether an unsettled intent of its record already started a pipeline. */
async function manualFacts(client: GitLabClient, project: string, id: number, record: ProgressRecord | null, options: ResumeOptions): Promise<ManualFacts> {
  const facts: ManualFacts = { ...NO_FACTS, pipeline: await client.getPipeline(project, id) };
  if (record && !options.fromStage) facts.jobs = await client.listPipelineJobs(project, id);
  if (!record) {
    facts.variables = await client.getPipelineVariables(project, id);
    // No record to hold an intent: GitLab itself tells whether someone already resumed this pipeline.
    const ref = options.ref ?? facts.pipeline?.ref;
    if (ref) facts.resumedAs = await findResumeOf(client, project, ref, id, facts.pipeline?.createdAt ?? null);
  }
  const intent = record ? openIntent(record) : null;
  if (intent && record) {
    const ref = typeof intent.ref === 'string' ? intent.ref : (record.pipeline.ref ?? '');
    const variables = lineageVariables(record, intent.stage, intent.attempt ?? 1);
    facts.startedByIntent = await findLineagePipeline(client, { project, ref, variables, via: 'create', parentId: id }, parseTimestamp(intent.at));
  }
  return facts;
}

/**
 * `healer restore`: the first command of every job. In a pipeline that is not a resume it returns at once (one
 * quiet line, no state read, no network). In a resumed pipeline it fetches the artifacts of the skipped stages'
 * jobs from the lineage's earlier pipelines (core/restore-plan.ts decides which) and unpacks them into the project
 * folder, all or nothing.
 *
 * Policy (documented in README.md):
 * - nothing to find → warning, exit 0 (error with --strict / HEALER_STRICT=1): no lineage variables, records missing
 *   or broken, a job with no successful run, GitLab answering 404/410. GitLab's 404 does not tell "this job kept no
 *   artifacts" (fine: GitLab's own dependencies ignore it) from "they expired", so failing on it would break
 *   pipelines whose earlier stages have jobs without artifacts.
 * - found but not had safely → error, exit 1, nothing written: a token refused (401/403), a download failed or too
 *   large or too slow, an archive refused (paths escaping, links out, over the limits), a path conflict.
 * - bad input (HEALER_NEEDS, HEALER_STAGES, RESUME_STAGE not a stage, flags) → exit 2.
 */
import { ContextError, parseStageList } from '../core/ci-context.js';
import { checkPipelineId, checkStageName } from '../core/names.js';
import { stageOrderOf } from '../core/record.js';
import { parseNeeds, planRestore, type ArtifactSource, type RestorePlan } from '../core/restore-plan.js';
import { formatSize } from '../core/units.js';
import { HealerError, describeError, usageError } from '../errors.js';
import type { Output } from '../output.js';
import type { Redactor } from '../redact.js';
import { redactor as defaultRedactor } from '../redact.js';
import { limitsFrom, type LimitFlags, type RestoreLimits } from './restore-limits.js';

type Env = Record<string, string | undefined>;

export interface RestoreOptions extends LimitFlags {
  dryRun?: boolean;
  json?: boolean;
  dir?: string;
  stateDir?: string;
  strict?: boolean;
}

export interface RestoreDeps {
  env: Env;
  out: Output;
  now: () => number;
  fetchImpl?: typeof fetch;
  redactor?: Redactor;
}

interface SourceResult {
  job: string;
  stage: string;
  job_id: number;
  pipeline_id: number;
  status: 'planned' | 'restored' | 'missing';
  files?: number;
  bytes?: number;
  message?: string;
}

interface Report {
  ok: boolean;
  action: 'none' | 'restore' | 'dry-run';
  reason?: string;
  resume_stage: string | null;
  job_stage: string | null;
  stages: string[];
  dir: string | null;
  sources: SourceResult[];
  missing: Array<{ job: string; reason: string }>;
  ignored: Array<{ job: string; reason: string }>;
  warnings: string[];
  files: number;
  bytes: number;
}

/** --strict or HEALER_STRICT=1, as for `healer stage`. */
function isStrict(options: RestoreOptions, env: Env): boolean {
  return options.strict === true || /^(1|true|yes)$/i.test(env.HEALER_STRICT ?? '');
}

const labelOf = (s: ArtifactSource) => `${s.job} (job ${s.jobId}, pipeline ${s.pipelineId})`;

function parsedOrUsage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof ContextError) throw usageError(error.message);
    throw error;
  }
}

export async function runRestore(options: RestoreOptions, deps: RestoreDeps): Promise<number> {
  const { env, out } = deps;
  // Tokens are registered before anything can print: the download code reads them again later.
  const redactor = deps.redactor ?? defaultRedactor;
  redactor.add(env.CI_JOB_TOKEN);
  redactor.add(env.GITLAB_TOKEN);
  const strict = isStrict(options, env);
  const resumeStage = (env.RESUME_STAGE ?? '').trim();
  const jobStage = env.CI_JOB_STAGE?.trim() || null;
  const report: Report = {
    ok: true, action: 'none', resume_stage: resumeStage || null, job_stage: jobStage, stages: [], dir: null,
    sources: [], missing: [], ignored: [], warnings: [], files: 0, bytes: 0,
  };
  const finish = (): number => {
    if (out.json) out.data(report);
    return 0;
  };
  const nothing = (reason: string): number => {
    report.reason = reason;
    if (!out.json) out.line(`healer restore: nothing to restore: ${reason}`);
    return finish();
  };
  /** Something to restore could not be found: a warning, or with --strict the end of the restore. */
  const soft = (message: string): void => {
    report.warnings.push(message);
    if (strict) throw new HealerError('action', message, { hint: 'the job needs these artifacts (--strict / HEALER_STRICT=1)' });
    out.warn(`${message}; the job goes on without them (HEALER_STRICT=1 makes this an error)`);
  };

  try {
    if (resumeStage === '') return nothing('not a resumed pipeline (RESUME_STAGE is not set)');
    const limits = limitsFrom(options, env); // bad flags are bad input even when nothing would be downloaded
    const stageCheck = checkStageName(resumeStage);
    if (!stageCheck.ok) throw usageError(`RESUME_STAGE: ${stageCheck.reason}`);
    const needs = parseNeeds(env.HEALER_NEEDS);
    if (!needs.ok) throw usageError(needs.reason);
    let order = env.HEALER_STAGES ? parsedOrUsage(() => parseStageList(env.HEALER_STAGES!)) : null;

    // The fast path: with the stage order known, a job that skipped nothing reads no state at all.
    if (order !== null) {
      const quick = planRestore({ resumeStage, jobStage, stageOrder: order, needs: needs.value, lineage: [] });
      if (quick.action === 'invalid') throw usageError(quick.reason, 'check HEALER_STAGES and RESUME_STAGE');
      if (quick.action === 'none') return nothing(quick.reason);
    }

    const parentRaw = env.HEALER_PARENT_PIPELINE_ID?.trim();
    if (!parentRaw) {
      soft('RESUME_STAGE is set but HEALER_PARENT_PIPELINE_ID is not: healer cannot tell which pipeline to take the skipped stages\' artifacts from');
      return finish();
    }
    const parent = checkPipelineId(parentRaw);
    if (!parent.ok) throw usageError(`HEALER_PARENT_PIPELINE_ID: ${parent.reason}`);
    const rootRaw = env.HEALER_ROOT_PIPELINE_ID?.trim();
    const root = rootRaw ? checkPipelineId(rootRaw) : null;
    if (root && !root.ok) throw usageError(`HEALER_ROOT_PIPELINE_ID: ${root.reason}`);

    // The store, the lock library and the record validators load only past the fast path.
    const [{ FileStore, DEFAULT_STATE_DIR }, { readLineage }] = await Promise.all([import('../store/file-store.js'), import('../store/lineage-reader.js')]);
    const store = new FileStore(options.stateDir ?? (env.HEALER_STATE_DIR || DEFAULT_STATE_DIR));
    try {
      await store.checkStateDir();
    } catch (error) {
      soft(`cannot read the lineage's records: ${describeError(error)}`);
      return finish();
    }
    const walk = await readLineage(store, parent.value, root?.ok ? root.value : null);
    if (walk.records.length === 0) {
      soft(walk.problems[0] ?? `no record of pipeline ${parent.value}`);
      return finish();
    }
    order ??= stageOrderOf(walk.records.find((r) => (r.record.stage_order?.length ?? 0) > 0)?.record ?? walk.records[0]!.record);
    const plan = planRestore({ resumeStage, jobStage, stageOrder: order, needs: needs.value, lineage: walk.records });
    if (plan.action === 'invalid') throw usageError(plan.reason, 'set HEALER_STAGES to the pipeline\'s stage order');
    if (plan.action === 'none') return nothing(plan.reason);
    return await restore(plan, walk.problems, limits, options, deps, report, soft);
  } catch (error) {
    if (out.json) {
      report.ok = false;
      out.data({ ...report, error: describeError(error) });
    }
    throw error;
  }
}

async function restore(
  plan: Extract<RestorePlan, { action: 'restore' }>,
  lineageProblems: string[],
  limits: RestoreLimits,
  options: RestoreOptions,
  deps: RestoreDeps,
  report: Report,
  soft: (message: string) => void,
): Promise<number> {
  const { env, out } = deps;
  report.action = options.dryRun ? 'dry-run' : 'restore';
  report.stages = plan.stages;
  report.missing = plan.missing;
  report.ignored = plan.ignored;
  report.sources = plan.sources.map((s) => ({ job: s.job, stage: s.stage, job_id: s.jobId, pipeline_id: s.pipelineId, status: 'planned' }));
  for (const problem of lineageProblems) out.warn(`lineage: ${problem}`);
  for (const note of plan.notes) out.warn(note);
  for (const ignored of plan.ignored) out.debug(`need ${ignored.job} ignored: ${ignored.reason}`);
  for (const missing of plan.missing) soft(`no artifacts for ${missing.job}: ${missing.reason}`);

  if (options.dryRun) {
    for (const s of plan.sources) out.line(`healer restore: would download the artifacts of ${labelOf(s)}, stage ${s.stage}`);
    if (plan.sources.length === 0) out.line('healer restore: no artifacts to download');
    if (out.json) out.data(report);
    return 0;
  }
  if (plan.sources.length === 0) {
    if (!out.json) out.line(`healer restore: no job of ${plan.stages.join(', ')} to take artifacts from`);
    if (out.json) out.data(report);
    return 0;
  }

  const { resolveProjectDir, downloadAndStage } = await import('./restore-run.js');
  const root = await resolveProjectDir(options.dir ?? env.CI_PROJECT_DIR);
  report.dir = root;
  const result = await downloadAndStage(plan.sources, root, limits, {
    env,
    redactor: deps.redactor ?? defaultRedactor,
    fetchImpl: deps.fetchImpl,
    onMissing: (source, message) => {
      const entry = report.sources.find((r) => r.job_id === source.jobId)!;
      entry.status = 'missing';
      entry.message = message;
      soft(message);
    },
  });
  for (const done of result.restored) {
    const entry = report.sources.find((r) => r.job_id === done.source.jobId)!;
    Object.assign(entry, { status: 'restored', files: done.files, bytes: done.bytes });
    out.line(`healer restore: ${labelOf(done.source)}: ${done.files} entries, ${formatSize(done.bytes)}`);
  }
  report.files = result.restored.reduce((n, r) => n + r.files, 0);
  report.bytes = result.restored.reduce((n, r) => n + r.bytes, 0);
  if (!out.json) {
    out.line(`healer restore: restored the artifacts of ${result.restored.length} job(s) of ${plan.stages.join(', ')} into ${root} (${report.files} entries, ${formatSize(report.bytes)})`);
  } else {
    out.data(report);
  }
  return 0;
}

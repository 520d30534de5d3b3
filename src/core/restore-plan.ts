/**
 * Which artifacts a job of a resumed pipeline must fetch, and from where. Pure: the lineage's records come in
 * (newest first), the plan goes out with a reason for everything left out.
 *
 * A pipeline resumed at stage R runs R and every later stage; the stages before R were skipped, so their jobs'
 * artifacts are not in this pipeline. A job in stage S gets the artifacts of the jobs of the stages before both R
 * and S (stages from R up to S run in this pipeline, where GitLab passes artifacts itself), limited to its
 * needs/dependencies when known (`needs` null = GitLab's default for `dependencies`: every earlier-stage job).
 * For each job name the latest successful run (status done with a GitLab job id) anywhere in the lineage is taken.
 */
import { own } from './names.js';
import type { ProgressRecord } from './record.js';

export interface LineageRecord {
  pipelineId: number;
  record: ProgressRecord;
  format: 'v1' | 'legacy';
}

export interface RestoreInput {
  resumeStage: string;
  /** The stage of the job that restores (CI_JOB_STAGE); null when unknown (then: treated as at or after R). */
  jobStage: string | null;
  stageOrder: string[];
  /** Job names from HEALER_NEEDS; null when not given. */
  needs: string[] | null;
  /** The lineage's earlier records, newest first (the parent pipeline first). */
  lineage: LineageRecord[];
}

export interface ArtifactSource {
  job: string;
  stage: string;
  jobId: number;
  pipelineId: number;
  projectId: number | null;
}

export interface LeftOut {
  job: string;
  reason: string;
}

export type RestorePlan =
  | { action: 'none'; reason: string }
  | { action: 'invalid'; reason: string }
  | {
      action: 'restore';
      /** Stages whose jobs' artifacts this job receives from earlier pipelines. */
      stages: string[];
      sources: ArtifactSource[];
      /** Jobs this job should receive but that have no successful run with a job id in the lineage. */
      missing: LeftOut[];
      /** Needs that are not jobs of a skipped stage (they run in this pipeline, or healer never saw them). */
      ignored: LeftOut[];
      notes: string[];
    };

/**
 * HEALER_NEEDS, set per job by `healer init`: a JSON array of job names ('["build-linux","lint"]'), '[]' for none.
 * Absent or empty → null (GitLab's default: every job of the earlier stages).
 */
export function parseNeeds(text: string | undefined): { ok: true; value: string[] | null } | { ok: false; reason: string } {
  if (text === undefined || text.trim() === '') return { ok: true, value: null };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: `HEALER_NEEDS is not JSON: ${JSON.stringify(text).slice(0, 80)} (expected e.g. '["build-linux","lint"]')` };
  }
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v.length > 0 && v.length <= 255)) {
    return { ok: false, reason: 'HEALER_NEEDS must be a JSON array of job names, e.g. \'["build-linux","lint"]\' or \'[]\'' };
  }
  return { ok: true, value: [...new Set(value as string[])] };
}

/** A need names a job, or every instance of a `parallel:` job ("build 1/3") or matrix job ("build: [linux]"). */
export function needMatches(need: string, job: string): boolean {
  if (job === need) return true;
  if (!job.startsWith(need)) return false;
  const rest = job.slice(need.length);
  return /^ \d+\/\d+$/.test(rest) || rest.startsWith(': [');
}

export function planRestore(input: RestoreInput): RestorePlan {
  const { resumeStage, jobStage, stageOrder } = input;
  const resumeAt = stageOrder.indexOf(resumeStage);
  if (resumeAt < 0) {
    return { action: 'invalid', reason: `RESUME_STAGE ${JSON.stringify(resumeStage)} is not one of the stages (${stageOrder.join(', ') || 'none known'})` };
  }
  const jobAt = jobStage === null ? -1 : stageOrder.indexOf(jobStage);
  const upTo = jobAt < 0 ? resumeAt : Math.min(resumeAt, jobAt);
  const stages = stageOrder.slice(0, upTo);
  if (stages.length === 0) {
    return {
      action: 'none',
      reason: resumeAt === 0 ? `resumed at the first stage (${resumeStage}): nothing was skipped` : `stage ${jobStage} comes before every skipped stage`,
    };
  }
  const skipped = new Set(stages);

  // Every job the lineage knows, with its stage as the newest record tells it.
  const known = new Map<string, string>();
  for (const { record } of input.lineage) {
    for (const [name, job] of Object.entries(record.jobs)) if (!known.has(name)) known.set(name, job.stage);
  }

  const ignored: LeftOut[] = [];
  let wanted: string[];
  if (input.needs === null) {
    wanted = [...known].filter(([, stage]) => skipped.has(stage)).map(([name]) => name);
  } else {
    const picked = new Set<string>();
    for (const need of input.needs) {
      const matches = [...known].filter(([name]) => needMatches(need, name));
      if (matches.length === 0) {
        ignored.push({ job: need, reason: 'no record of it in the lineage (it runs in this pipeline, or never ran)' });
        continue;
      }
      for (const [name, stage] of matches) {
        if (skipped.has(stage)) picked.add(name);
        else ignored.push({ job: name, reason: `stage ${stage} runs in this pipeline; GitLab passes its artifacts` });
      }
    }
    wanted = [...picked];
  }
  wanted.sort((a, b) => stageOrder.indexOf(known.get(a)!) - stageOrder.indexOf(known.get(b)!) || (a < b ? -1 : a > b ? 1 : 0));

  const sources: ArtifactSource[] = [];
  const missing: LeftOut[] = [];
  for (const name of wanted) {
    const stage = known.get(name)!;
    let found: ArtifactSource | null = null;
    let last: string | null = null;
    let skippedRun = false;
    for (const { pipelineId, record } of input.lineage) {
      const job = own(record.jobs, name);
      if (job === undefined) continue;
      if (job.status === 'done' && typeof job.job_id === 'number') {
        found = { job: name, stage, jobId: job.job_id, pipelineId, projectId: record.project?.id ?? null };
        break;
      }
      if (job.status === 'skipped' && last === null) skippedRun = true;
      last ??= job.status === 'done' ? `done without a job id in pipeline ${pipelineId}` : `${job.status} in pipeline ${pipelineId}`;
    }
    if (found) sources.push(found);
    else if (!skippedRun) missing.push({ job: name, reason: `no successful run with a job id in the lineage (latest: ${last ?? 'none'})` });
  }

  const notes = input.lineage
    .filter((l) => l.format === 'legacy')
    .map((l) => `pipeline ${l.pipelineId} has a legacy record (stages only, no job ids): its artifacts cannot be located`);
  return { action: 'restore', stages, sources, missing, ignored, notes };
}

/**
 * The I/O half of `healer restore`, loaded only when there is something to restore: download every archive into a
 * staging folder inside the project folder (same file system, so the final moves are renames), unpack each into its
 * own staged tree under the limits, check the whole result against the project folder, and only then move it in.
 * Any refusal or failure leaves the project folder as it was; the staging folder is always removed.
 */
import { mkdir, mkdtemp, realpath, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { checkInstall, installArchives } from '../archive/install-tree.js';
import { ioError, stageArchive, STAGING_PREFIX, type Budget, type StagedArchive } from '../archive/safe-extract.js';
import type { ArtifactSource } from '../core/restore-plan.js';
import { HealerError, usageError } from '../errors.js';
import { apiBaseFromEnv, artifactAuthFromEnv } from '../gitlab/artifact-auth.js';
import { downloadArtifacts, MissingArtifactsError } from '../gitlab/artifact-download.js';
import type { Redactor } from '../redact.js';
import type { RestoreLimits } from './restore-limits.js';

type Env = Record<string, string | undefined>;

export async function resolveProjectDir(dir: string | undefined): Promise<string> {
  if (dir === undefined || dir.trim() === '') {
    throw usageError('no project folder: CI_PROJECT_DIR is not set', 'run inside a GitLab CI job, or pass --dir DIR');
  }
  let real: string;
  try {
    real = await realpath(dir);
    if (!(await stat(real)).isDirectory()) throw new Error('not a folder');
  } catch (error) {
    throw usageError(`project folder ${dir} is not a folder (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return real;
}

export interface StageContext {
  env: Env;
  redactor: Redactor;
  fetchImpl?: typeof fetch | undefined;
  /** A source whose artifacts GitLab does not have (404/410): the caller decides whether that is fatal. */
  onMissing: (source: ArtifactSource, message: string) => void;
}

export interface Restored {
  source: ArtifactSource;
  files: number;
  bytes: number;
}

function projectIdFor(source: ArtifactSource, env: Env): number | string {
  const id = source.projectId ?? env.CI_PROJECT_ID?.trim() ?? env.GITLAB_PROJECT_ID?.trim();
  if (id === undefined || id === '') {
    throw new HealerError('config', `the project of pipeline ${source.pipelineId} is unknown`, { hint: 'set CI_PROJECT_ID or GITLAB_PROJECT_ID' });
  }
  return id;
}

export async function downloadAndStage(
  sources: ArtifactSource[],
  root: string,
  limits: RestoreLimits,
  ctx: StageContext,
): Promise<{ restored: Restored[] }> {
  const apiBase = apiBaseFromEnv(ctx.env);
  const auth = await artifactAuthFromEnv(ctx.env, ctx.redactor);
  let staging: string;
  try {
    staging = await mkdtemp(join(root, STAGING_PREFIX));
  } catch (error) {
    throw ioError(error, `into ${root}`) ?? error;
  }
  try {
    const staged: Array<{ label: string; staged: StagedArchive; source: ArtifactSource }> = [];
    const budget: Budget = { bytes: 0, files: 0 };
    for (const [i, source] of sources.entries()) {
      const label = `${source.job} (job ${source.jobId}, pipeline ${source.pipelineId})`;
      const zipPath = join(staging, `${i}.zip`);
      try {
        await downloadArtifacts({
          apiBase,
          projectId: projectIdFor(source, ctx.env),
          jobId: source.jobId,
          label,
          auth,
          dest: zipPath,
          maxBytes: limits.maxDownloadBytes,
          timeoutMs: limits.timeoutMs,
          ...(ctx.fetchImpl ? { fetchImpl: ctx.fetchImpl } : {}),
        });
      } catch (error) {
        if (error instanceof MissingArtifactsError) {
          ctx.onMissing(source, error.message);
          continue;
        }
        throw error;
      }
      const dir = join(staging, String(i));
      await mkdir(dir);
      const archive = await stageArchive(zipPath, dir, label, limits, budget);
      await rm(zipPath, { force: true }); // the disk holds one archive and the unpacked trees, not every archive twice
      staged.push({ label, staged: archive, source });
    }
    await checkInstall(root, staged);
    try {
      await installArchives(root, staged);
    } catch (error) {
      throw ioError(error, `into ${root}`) ?? error;
    }
    return { restored: staged.map((s) => ({ source: s.source, files: s.staged.files, bytes: s.staged.bytes })) };
  } finally {
    await rm(staging, { recursive: true, force: true, maxRetries: 3 });
  }
}

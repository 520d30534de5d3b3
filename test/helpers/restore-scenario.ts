/**
 * A resumed pipeline for `healer restore` tests: a state folder with the original pipeline's record (build done,
 * test stuck), an empty project folder, the artifact server, and the CI variables of a test job of the resume.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, readlink, lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { startArtifactServer, type ArtifactServer } from './artifact-server.js';
import { tempDir } from './cli.js';
import { v1Record, writeRecordFile, MINUTE } from './records.js';

/** The job token of every scenario: it must appear in no output. */
export const CANARY = 'glcbt-CANARY-5e1f0c9a7d3b';

export interface Scenario {
  base: string;
  state: string;
  project: string;
  server: ArtifactServer;
  env: Record<string, string>;
  cleanup: () => Promise<void>;
}

/** Pipeline 100: build-linux (901), build-win (902), lint (903) done in stage build; unit (904) stuck in test. */
export async function resumedPipeline(): Promise<Scenario> {
  const { dir: base, cleanup } = await tempDir('healer-restore-');
  const state = join(base, 'state');
  const project = join(base, 'project');
  await mkdir(state);
  await mkdir(project);
  await writeRecordFile(state, 100, v1Record({
    id: 100,
    projectId: 42,
    jobs: {
      'build-linux': { stage: 'build', status: 'done', id: 901, updatedAgo: 30 * MINUTE },
      'build-win': { stage: 'build', status: 'done', id: 902, updatedAgo: 30 * MINUTE },
      lint: { stage: 'build', status: 'done', id: 903, updatedAgo: 30 * MINUTE },
      unit: { stage: 'test', status: 'in_progress', id: 904, updatedAgo: 20 * MINUTE },
    },
  }));
  const server = await startArtifactServer({ jobToken: CANARY });
  const env = {
    RESUME_STAGE: 'test',
    HEALER_ROOT_PIPELINE_ID: '100',
    HEALER_PARENT_PIPELINE_ID: '100',
    HEALER_ATTEMPT: '1',
    HEALER_STAGES: 'build,test,deploy',
    HEALER_STATE_DIR: state,
    CI_PIPELINE_ID: '101',
    CI_JOB_NAME: 'unit',
    CI_JOB_STAGE: 'test',
    CI_JOB_ID: '1001',
    CI_PROJECT_ID: '42',
    CI_PROJECT_DIR: project,
    CI_API_V4_URL: server.apiUrl,
    CI_JOB_TOKEN: CANARY,
  };
  return {
    base, state, project, server, env,
    cleanup: async () => {
      await server.close();
      await cleanup();
    },
  };
}

/** Every path under `dir` with what it is (file hash, link target, folder), sorted: compare before and after. */
export async function snapshot(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    for (const name of (await readdir(join(dir, rel))).sort()) {
      const path = join(dir, rel, name);
      const info = await lstat(path);
      const key = rel ? `${rel}/${name}` : name;
      if (info.isSymbolicLink()) out.push(`${key} -> ${await readlink(path)}`);
      else if (info.isDirectory()) {
        out.push(`${key}/`);
        await walk(key);
      } else out.push(`${key} ${createHash('sha256').update(await readFile(path)).digest('hex').slice(0, 12)}`);
    }
  };
  await walk('');
  return out;
}

/**
 * `healer demo`: a self-contained walk through what healer records, in a temp folder, with no GitLab and no
 * network. (The full story — a hung job, the watchdog's decision and the resumed pipeline — builds on this.)
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Output } from '../output.js';
import { recordJob, resolveTarget } from './job-recorder.js';

export interface DemoDeps {
  out: Output;
  now: () => number;
}

export async function runDemo(_options: Record<string, never>, deps: DemoDeps): Promise<number> {
  const { out } = deps;
  const stateDir = await mkdtemp(join(tmpdir(), 'healer-demo-'));
  try {
    const env = {
      CI_PIPELINE_ID: '1001',
      CI_PROJECT_ID: '42',
      CI_PROJECT_PATH: 'demo/app',
      CI_COMMIT_REF_NAME: 'main',
      HEALER_STAGES: 'build,test,deploy',
    };
    const steps: Array<[string, string, 'in_progress' | 'done']> = [
      ['build-app', 'build', 'in_progress'],
      ['build-app', 'build', 'done'],
      ['unit-tests', 'test', 'in_progress'],
      ['lint', 'test', 'in_progress'],
      ['lint', 'test', 'done'],
    ];
    const c = out.color;
    out.line(c.bold('healer demo') + c.dim(`: a pipeline records its progress in ${stateDir}`));
    for (const [job, stage, status] of steps) {
      const target = resolveTarget({ job, stateDir }, env);
      const result = await recordJob(target, stage, status, deps.now());
      const stageStatus = result.record.stages[stage]?.status ?? '?';
      out.line(`  healer stage ${stage} ${status.padEnd(11)} ${c.dim(`(job ${job})`)} → stage ${stage}: ${stageStatus}`);
    }
    const text = await readFile(join(stateDir, '1001', '.ci-progress.json'), 'utf8');
    if (out.json) {
      out.data({ ok: true, record: JSON.parse(text) });
    } else {
      out.line(c.dim('  stage test stays in_progress while unit-tests runs, although lint is done:'));
      out.line(text.trimEnd().split('\n').map((l) => `    ${l}`).join('\n'));
    }
    return 0;
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
}

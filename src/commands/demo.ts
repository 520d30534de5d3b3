/**
 * `healer demo`: the whole story on an embedded simulator, with nothing to install or configure — a GitLab-like API
 * on 127.0.0.1 (random free port), a simulated runner whose jobs record their progress with healer's own code, a
 * 3-stage pipeline whose test job hangs, then the real `healer scan` (a child process, as cron would start it)
 * cancelling it and resuming from `test`, and the final green pipeline. Printed as a timeline; `--json` for scripts.
 * Everything lives in a temp folder that is removed at the end.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectOutput } from '../child-output.js';
import { HealerError } from '../errors.js';
import type { Output } from '../output.js';
import { binPath } from '../package-paths.js';
import { redactor } from '../redact.js';
import { FakeGitLab } from '../sim/gitlab/server.js';
import { SimRunner, type SimEvent, type SimPipelineSpec } from '../sim/runner.js';

export interface DemoOptions {
  /** The stuck threshold of the demo, in seconds (production default: 10 minutes). */
  stuckSeconds?: number;
}

export interface DemoDeps {
  out: Output;
  now: () => number;
}

/** The demo's project: build → test → deploy; unit-tests hangs in the original pipeline only. */
export const DEMO_PIPELINE: SimPipelineSpec = {
  stages: ['build', 'test', 'deploy'],
  jobs: [
    { name: 'build-app', stage: 'build', ms: 400 },
    { name: 'lint', stage: 'test', ms: 300 },
    { name: 'unit-tests', stage: 'test', ms: 500, hangsInAttempts: [0] },
    { name: 'deploy-staging', stage: 'deploy', ms: 400 },
  ],
};

const PROJECT_ID = 42;

interface ScanAction {
  pipeline_id: number;
  status: string;
  stage: string;
  cancel: string;
  reason: string;
  new_pipeline: { id: number; url: string | null } | null;
  error: string | null;
}

interface ScanReport {
  ok: boolean;
  counts: { records: number; actions: number; candidates: number; idle: Record<string, number> };
  actions: ScanAction[];
  skipped: Array<{ pipeline_id: number; reason: string }>;
  errors: Array<{ message: string }>;
}

export interface TimelineEntry {
  t: number;
  kind: string;
  text: string;
  pipeline_id?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Run `healer scan --json` as the watchdog would, against the simulator only (a clean environment, no config file). */
async function runScan(cwd: string, env: Record<string, string>): Promise<ScanReport> {
  const child = spawn(process.execPath, [binPath(), 'scan', '--json'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const { code, stdout, stderr } = await collectOutput(child);
  try {
    return JSON.parse(stdout) as ScanReport;
  } catch {
    throw new HealerError('action', `healer scan failed in the demo (exit ${code}): ${stderr.trim().split('\n')[0] ?? ''}`);
  }
}

export async function runDemo(options: DemoOptions, deps: DemoDeps): Promise<number> {
  const { out } = deps;
  const c = out.color;
  const stuckSeconds = options.stuckSeconds ?? 2;
  const started = deps.now();
  const timeline: TimelineEntry[] = [];
  const say = (kind: string, text: string, pipelineId?: number, at = deps.now()) => {
    const entry: TimelineEntry = { t: Math.round((at - started) / 100) / 10, kind, text, ...(pipelineId ? { pipeline_id: pipelineId } : {}) };
    timeline.push(entry);
    const mark: Record<string, string> = {
      pipeline: c.bold('▶'),
      'job-start': c.blue('•'),
      'job-done': c.green('✓'),
      'job-hang': c.yellow('…'),
      'job-canceled': c.red('✗'),
      'pipeline-done': c.bold('■'),
      healer: c.cyan('⚕'),
      wait: c.dim('⏱'),
      info: c.dim('·'),
    };
    out.line(`${c.dim(`+${entry.t.toFixed(1).padStart(4)}s`)}  ${mark[kind] ?? ' '} ${text}`);
  };

  const dir = await mkdtemp(join(tmpdir(), 'healer-demo-'));
  const stateDir = join(dir, 'state');
  await mkdir(stateDir);
  const fake = await FakeGitLab.start({ keepLog: false });
  const token = `demo-${randomBytes(12).toString('hex')}`;
  redactor.add(token);
  fake.state.addProject({ id: PROJECT_ID, path: 'demo/app', refs: ['main'], apiTokens: [token] });

  let hung: (() => void) | null = null;
  const hungSeen = new Promise<void>((resolve) => (hung = resolve));
  // While the watchdog runs, the runner's news waits, so the timeline reads: decision, then its consequences.
  let held: SimEvent[] | null = null;
  const onEvent = (event: SimEvent) => {
    if (held) return void held.push(event);
    show(event);
  };
  const describeEvent = (event: SimEvent): string => {
    const where = `#${event.pipelineId}`;
    const job = event.job ? `${event.stage?.padEnd(7)} ${event.job.padEnd(15)}` : '';
    switch (event.kind) {
      case 'pipeline':
        return `pipeline ${where} starts${event.resumeStage ? ` with RESUME_STAGE=${event.resumeStage} (attempt ${event.attempt})` : ' (push to main)'}`;
      case 'job-start':
        return `${where}  ${job} running — recorded in_progress`;
      case 'job-done':
        return `${where}  ${job} passed — recorded done`;
      case 'job-hang':
        return `${where}  ${job} ${c.yellow('hangs: its runner lost contact; GitLab still shows it running')}`;
      case 'job-canceled':
        return `${where}  ${job} canceled`;
      case 'pipeline-done':
        return `pipeline ${where} ${event.status === 'success' ? c.green(event.status) : c.red(event.status ?? '?')}`;
    }
  };
  const show = (event: SimEvent) => {
    say(event.kind, describeEvent(event), event.pipelineId, event.at);
    if (event.kind === 'job-hang') hung?.();
  };
  const runner = new SimRunner({ fake, spec: DEMO_PIPELINE, stateDir, onEvent, now: deps.now, runnerName: 'sim-runner-1' });
  const scanEnv: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HEALER_STATE_DIR: stateDir,
    GITLAB_URL: fake.url,
    GITLAB_TOKEN: token,
    HEALER_STUCK_THRESHOLD: `${stuckSeconds}s`,
    MAX_RETRY_COUNT: '2',
    HEALER_MAX_PIPELINE_AGE: '1h',
    HEALER_REQUEST_TIMEOUT: '5s',
    NO_COLOR: '1',
  };

  try {
    out.line(c.bold('healer demo') + c.dim(` — a simulated GitLab on ${fake.url}, records in ${stateDir}`));
    out.line(c.dim('pipeline: build (build-app) → test (lint, unit-tests) → deploy (deploy-staging)'));
    out.line();
    const first = runner.push(PROJECT_ID, 'main');
    await hungSeen;
    // Records carry second precision: wait past the threshold by a full second.
    say('wait', `no heartbeat arrives; waiting past the stuck threshold: ${stuckSeconds}s in this demo, 10 minutes by default`);
    await sleep((stuckSeconds + 1.2) * 1000);

    say('healer', 'healer scan (the watchdog, as cron would run it)');
    held = [];
    const scan = await runScan(dir, scanEnv);
    const action = scan.actions.find((a) => a.pipeline_id === first.id);
    if (!action || action.new_pipeline === null) {
      throw new HealerError('action', `the watchdog did not resume pipeline #${first.id}: ${JSON.stringify({ actions: scan.actions, skipped: scan.skipped, errors: scan.errors }).slice(0, 400)}`);
    }
    say('healer', `  decided: ${action.reason}`, first.id);
    say(
      'healer',
      action.cancel === 'canceled'
        ? `  canceled #${first.id} first, so that two pipelines never run the same stages`
        : `  could not cancel #${first.id} (${action.cancel})`,
      first.id,
    );
    say('healer', `  resumed from stage ${c.bold(action.stage)} as pipeline #${action.new_pipeline.id}, on the pipeline's own ref`, action.new_pipeline.id);
    const news = held;
    held = null;
    for (const event of news) show(event);

    const resumedStatus = await runner.settledStatus(action.new_pipeline.id);
    say('healer', 'healer scan again');
    const again = await runScan(dir, scanEnv);
    say('healer', `  nothing to do: ${again.counts.records} records, ${again.counts.actions} actions`);

    const record = JSON.parse(await readFile(join(stateDir, String(first.id), '.ci-progress.json'), 'utf8')) as {
      resumes?: Array<{ stage: string; state: string; pipeline_id?: number | null }>;
    };
    const resumed = JSON.parse(await readFile(join(stateDir, String(action.new_pipeline.id), '.ci-progress.json'), 'utf8')) as {
      lineage?: { root_pipeline_id: number; attempt: number; resume_stage: string | null };
      jobs: Record<string, { status: string }>;
    };
    const healed = resumedStatus === 'success' && again.actions.length === 0;
    out.line();
    out.line(
      healed
        ? c.green(`healed: pipeline #${first.id} hung in test; #${action.new_pipeline.id} ran only test and deploy and passed.`)
        : c.red(`not healed: the resumed pipeline ended ${resumedStatus}.`),
    );
    out.line(c.dim(`lineage: root #${resumed.lineage?.root_pipeline_id}, attempt ${resumed.lineage?.attempt}; jobs of #${action.new_pipeline.id}: ${Object.keys(resumed.jobs).join(', ')}`));
    if (out.json) {
      out.data({
        ok: healed,
        gitlab_url: fake.url,
        state_dir: stateDir,
        pipelines: [...fake.state.pipelines.values()].map((p) => ({
          id: p.id,
          status: p.status,
          source: p.source,
          resume_stage: p.variables.find((v) => v.key === 'RESUME_STAGE')?.value ?? null,
          jobs: fake.state.jobsOf(p.id).map((j) => ({ name: j.name, stage: j.stage, status: j.status })),
        })),
        resumes: record.resumes ?? [],
        lineage: resumed.lineage ?? null,
        scans: [scan, again],
        timeline,
      });
    }
    return healed ? 0 : 1;
  } finally {
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * A real CI executor behind the fake GitLab: every pipeline the fake creates (a push here, or a resume that
 * `healer scan` creates through the API) is run by gitlab-ci-local 4.73.0 (shell executor) in a fresh clone of the
 * repository, with the posted variables, and its jobs and status are reported back through the fake's API, the way
 * a GitLab runner reports to GitLab.
 *
 * - `disconnect(id)`: the runner dies (SIGKILL to gitlab-ci-local and its jobs): GitLab keeps showing the pipeline
 *   and its job running, and the job's record keeps `in_progress` (no after_script ever runs);
 * - a pipeline canceled through the API (by healer or a person) is killed the same way, and shows canceled;
 * - job artifacts are served by the fake from the clone's .gitlab-ci-local/artifacts/<job>/, looked up by the
 *   CI_JOB_ID the job recorded in its progress record (gitlab-ci-local picks its own job ids).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import yazl from 'yazl';
import type { FakeGitLab } from '../../src/sim/gitlab/server.js';
import type { FakePipeline, FakeProject } from '../../src/sim/gitlab/state.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { run } from '../helpers/gitlab-ci-local.js';

const GCL = join(REPO_ROOT, 'node_modules', 'gitlab-ci-local', 'dist', 'index.js');

export interface RunnerOptions {
  fake: FakeGitLab;
  /** The git repository the pipelines run (its .gitlab-ci.yml already made resumable by healer init). */
  repo: string;
  /** Where each pipeline gets its fresh clone. */
  workRoot: string;
  /** gitlab-ci-local's own home folder. */
  home: string;
  stateDir: string;
  jobToken: string;
}

interface Running {
  pipeline: FakePipeline;
  child: ChildProcess;
  clone: string;
  output: string;
  jobs: Map<string, number>;
  stopped: 'disconnected' | 'canceled' | null;
  done: Promise<string>;
}

export class GclRunner {
  readonly runs = new Map<number, Running>();
  /** Pipelines being cloned, not yet handed to gitlab-ci-local. */
  private readonly starting = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly options: RunnerOptions) {
    options.fake.onPipelineCreated((pipeline, _variables, project) => {
      // Answer GitLab's create request first; the runner picks the pipeline up asynchronously.
      setImmediate(() => void this.start(pipeline, project));
    });
    options.fake.artifactsOf = (_projectId, jobId) => this.artifacts(jobId);
  }

  /** A pipeline started by a push to `ref`. */
  async push(projectId: number, ref = 'main'): Promise<FakePipeline> {
    const pipeline = this.options.fake.state.addPipeline({ projectId, ref, source: 'push', status: 'created' });
    await this.start(pipeline, this.options.fake.state.projects.get(projectId)!);
    return pipeline;
  }

  /** Resolves once the pipeline was handed to gitlab-ci-local (a resume is started right after its creation). */
  async started(pipelineId: number): Promise<Running> {
    for (let i = 0; i < 400; i += 1) {
      const running = this.runs.get(pipelineId);
      if (running) return running;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`pipeline ${pipelineId} was never started`);
  }

  /** The final GitLab status, once gitlab-ci-local is gone (finished, canceled or disconnected). */
  async settled(pipelineId: number): Promise<string> {
    return (await this.started(pipelineId)).done;
  }

  output(pipelineId: number): string {
    return this.runs.get(pipelineId)?.output ?? '';
  }

  /** The runner host dies: nothing more is reported; GitLab still shows the pipeline running. */
  async disconnect(pipelineId: number): Promise<void> {
    const running = await this.started(pipelineId);
    running.stopped = 'disconnected';
    kill(running.child);
    await running.done;
  }

  /** Wait until a job printed `text` (bounded). */
  async waitForOutput(pipelineId: number, text: string | RegExp): Promise<void> {
    const running = await this.started(pipelineId);
    for (let i = 0; i < 1200; i += 1) {
      if (typeof text === 'string' ? running.output.includes(text) : text.test(running.output)) return;
      if (running.child.exitCode !== null || running.child.signalCode !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`pipeline ${pipelineId} never printed ${String(text)}; output:\n${running.output}`);
  }

  /** Kill whatever still runs, and start nothing more (end of a test). */
  async stopAll(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.starting]);
    for (const running of this.runs.values()) {
      if (running.child.exitCode === null && running.child.signalCode === null) {
        running.stopped ??= 'disconnected';
        kill(running.child);
      }
      await running.done;
    }
  }

  private async start(pipeline: FakePipeline, project: FakeProject): Promise<void> {
    if (this.closed) return;
    const cloning = run('git', ['clone', '-q', this.options.repo, join(this.options.workRoot, `p${pipeline.id}`)]).then(() => undefined);
    this.starting.add(cloning);
    try {
      await cloning;
    } finally {
      this.starting.delete(cloning);
    }
    // A test that ended while the clone ran must not leave a pipeline behind it.
    if (!this.closed) this.spawn(pipeline, project);
  }

  private spawn(pipeline: FakePipeline, project: FakeProject): void {
    const { fake, home, stateDir, jobToken } = this.options;
    const clone = join(this.options.workRoot, `p${pipeline.id}`);
    const variables: Record<string, string> = {
      ...Object.fromEntries(pipeline.variables.map((v) => [v.key, v.value])),
      CI_PIPELINE_ID: String(pipeline.id),
      CI_PIPELINE_IID: String(pipeline.iid),
      CI_PIPELINE_SOURCE: pipeline.source,
      CI_PROJECT_ID: String(project.id),
      CI_PROJECT_PATH: project.path,
      CI_COMMIT_REF_NAME: pipeline.ref,
      CI_SERVER_URL: fake.url,
      CI_API_V4_URL: `${fake.url}/api/v4`,
      CI_JOB_TOKEN: jobToken,
      HEALER_STATE_DIR: stateDir,
    };
    const args = [GCL, '--home', home, '--no-json-schema-validation', ...Object.entries(variables).flatMap(([k, v]) => ['--variable', `${k}=${v}`])];
    // Its own process group, so that a "dead runner" takes every job process with it.
    const child = spawn(process.execPath, args, {
      cwd: clone,
      detached: true,
      env: { PATH: process.env.PATH, HOME: home, LANG: 'C.UTF-8', NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    fake.state.setPipelineStatus(pipeline.id, 'running');
    const running: Running = { pipeline, child, clone, output: '', jobs: new Map(), stopped: null, done: Promise.resolve('') };
    running.done = new Promise<string>((resolve) => {
      const watch = setInterval(() => {
        // A cancel through the API (healer, or a person in the UI) stops the runner's work.
        if (pipeline.status === 'canceled' && running.stopped === null) {
          running.stopped = 'canceled';
          kill(child);
        }
      }, 50);
      child.on('close', (code) => {
        clearInterval(watch);
        if (running.stopped === null) fake.state.setPipelineStatus(pipeline.id, code === 0 ? 'success' : 'failed');
        resolve(pipeline.status);
      });
    });
    let pending = '';
    const onData = (data: string) => {
      running.output += data;
      pending += data;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) this.onLine(running, line);
    };
    child.stdout!.setEncoding('utf8').on('data', onData);
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (running.output += d));
    this.runs.set(pipeline.id, running);
  }

  /** gitlab-ci-local's progress lines → GitLab's job statuses. */
  private onLine(running: Running, line: string): void {
    if (running.stopped) return;
    const { state } = this.options.fake;
    const starting = /^(\S+)\s+starting shell \((.+)\)$/.exec(line);
    if (starting) {
      const job = state.addJob(running.pipeline.id, { name: starting[1]!, stage: starting[2]!, status: 'running' });
      running.jobs.set(job.name, job.id);
      return;
    }
    const finished = /^(\S+)\s+finished in .*?(\bFAIL\b.*)?$/.exec(line);
    if (finished) {
      const id = running.jobs.get(finished[1]!);
      if (id !== undefined) state.setJobStatus(id, finished[2] ? 'failed' : 'success', finished[2] ? 'script_failure' : null);
    }
  }

  /** The zip of a job's artifacts, found through the progress records (which hold the job ids jobs really had). */
  private async artifacts(jobId: number): Promise<Buffer | null> {
    for (const [pipelineId, running] of this.runs) {
      let record: { jobs?: Record<string, { job_id?: number | null }> };
      try {
        record = JSON.parse(await readFile(join(this.options.stateDir, String(pipelineId), '.ci-progress.json'), 'utf8'));
      } catch {
        continue;
      }
      const name = Object.entries(record.jobs ?? {}).find(([, job]) => job.job_id === jobId)?.[0];
      if (name === undefined) continue;
      const folder = join(running.clone, '.gitlab-ci-local', 'artifacts', name);
      const files = await listFiles(folder).catch(() => null);
      return files === null || files.length === 0 ? null : zip(folder, files);
    }
    return null;
  }
}

function kill(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // already gone
  }
}

async function listFiles(folder: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path)));
    else if ((await stat(path)).isFile()) out.push(path);
  }
  return out;
}

function zip(folder: string, files: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const archive = new yazl.ZipFile();
    for (const file of files) archive.addFile(file, relative(folder, file));
    archive.end();
    const chunks: Buffer[] = [];
    archive.outputStream.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks))).on('error', reject);
  });
}

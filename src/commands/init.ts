/**
 * `healer init`: make a .gitlab-ci.yml resumable and self-recording (core/ci-yaml does the planning), or write the
 * watchdog scaffolds (--cron, --kubernetes). The file is written only when something changes, atomically; bad input
 * leaves it byte-for-byte untouched.
 */
import { readFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { initCiYaml, localIncludes, type IncludedText, type InitPlan } from '../core/ci-yaml/index.js';
import { HealerError, usageError } from '../errors.js';
import type { Output } from '../output.js';
import { writeFileAtomic } from '../store/atomic-write.js';
import { printDiff, unifiedDiff } from './init-diff.js';
import { writeScaffolds, type ScaffoldOptions } from './init-scaffold.js';

export interface InitOptions extends ScaffoldOptions {
  file?: string;
  dryRun?: boolean;
  check?: boolean;
  command?: string;
  workflowRules?: string;
  cron?: boolean;
  kubernetes?: boolean;
}

export interface InitDeps {
  out: Output;
  cwd: string;
}

/** Included files are read only to learn their jobs; a huge or odd file is simply not used. */
const MAX_INCLUDE_BYTES = 1024 * 1024;

async function readIncludes(file: string, text: string): Promise<IncludedText[]> {
  const root = dirname(file);
  const out: IncludedText[] = [];
  for (const path of localIncludes(text)) {
    const target = resolve(root, path);
    if (relative(root, target).startsWith('..')) {
      out.push({ path, text: null });
      continue;
    }
    try {
      const content = await readFile(target, 'utf8');
      out.push({ path, text: content.length > MAX_INCLUDE_BYTES ? null : content });
    } catch {
      out.push({ path, text: null });
    }
  }
  return out;
}

function workflowOption(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === 'present') return true;
  if (value === 'absent') return false;
  throw usageError(`--workflow-rules must be "present" or "absent", not ${JSON.stringify(value).slice(0, 40)}`);
}

async function readCiFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw usageError(`${file} does not exist`, 'run healer init in the repository root, or pass --file PATH');
    if (code === 'EISDIR') throw usageError(`${file} is a folder, not a file`);
    throw usageError(`cannot read ${file}: ${(error as Error).message}`);
  }
}

export async function runInit(options: InitOptions, deps: InitDeps): Promise<number> {
  const { out } = deps;
  if (options.cron || options.kubernetes) {
    if (options.file !== undefined || options.check || options.dryRun) {
      throw usageError('--cron/--kubernetes write watchdog files only; run healer init without them to edit .gitlab-ci.yml');
    }
    return writeScaffolds(options, deps);
  }
  if (options.check && options.dryRun) throw usageError('give either --check or --dry-run, not both');
  const workflowRules = workflowOption(options.workflowRules);
  const file = resolve(deps.cwd, options.file ?? '.gitlab-ci.yml');
  const shown = relative(deps.cwd, file) || file;
  const before = await readCiFile(file);
  const includes = await readIncludes(file, before);
  const result = initCiYaml(before, {
    ...(options.command === undefined ? {} : { command: options.command }),
    ...(workflowRules === undefined ? {} : { workflowRules }),
    includes,
  });
  if (!result.ok) throw usageError(`${shown}: ${result.error}`);
  const diff = result.changed ? unifiedDiff(shown.replace(/\\/g, '/'), before, result.text) : '';
  let written = false;
  if (result.changed && !options.dryRun && !options.check) {
    try {
      await writeFileAtomic(file, result.text);
      written = true;
    } catch (error) {
      throw new HealerError('action', `cannot write ${shown}: ${(error as Error).message}`, { cause: error });
    }
  }
  if (out.json) {
    out.data({
      ok: true,
      file: shown,
      changed: result.changed,
      written,
      mode: options.check ? 'check' : options.dryRun ? 'dry-run' : 'write',
      stages: result.stages,
      workflow_rules: result.workflowRules,
      jobs: result.jobs,
      global: result.global,
      warnings: result.warnings,
      includes: result.includes,
      gates: result.gates,
      diff: result.changed ? diff : null,
    });
    return options.check && result.changed ? 1 : 0;
  }
  for (const w of result.warnings) out.warn(w.message);
  if (result.includes.some((i) => !i.read)) {
    for (const [stage, rule] of Object.entries(result.gates)) out.warn(`  gate for a job of stage ${stage}: - ${rule}`);
  }
  if (options.dryRun) {
    if (result.changed) printDiff(out, diff);
    return 0;
  }
  if (options.check) {
    if (!result.changed) {
      out.line(`healer: ${shown} is up to date`);
      return 0;
    }
    out.line(`healer: ${shown} needs changes (${countChanged(result)}); run \`healer init\``);
    return 1;
  }
  printSummary(out, shown, result, written);
  return 0;
}

function countChanged(result: InitPlan): string {
  const jobs = result.jobs.filter((j) => j.changed).length;
  return `${jobs} job${jobs === 1 ? '' : 's'}${result.global.length > 0 ? ' and global settings' : ''}`;
}

function printSummary(out: Output, shown: string, result: InitPlan, written: boolean): void {
  const c = out.color;
  for (const job of result.jobs) {
    const status = job.rules === 'refused' ? c.yellow('left as is') : !job.changed ? c.dim('unchanged') : c.green(job.rules === 'unchanged' ? 'updated' : job.rules);
    out.line(`  ${job.job} [${job.stage}]: ${status}`);
    for (const action of job.actions) out.line(`      ${action}`);
    if (job.reason) out.line(`      ${job.reason}`);
  }
  for (const line of result.global) out.line(`  ${line}`);
  out.line(written ? `healer: wrote ${shown} (stages: ${result.stages.join(' → ')})` : `healer: ${shown} is up to date`);
}

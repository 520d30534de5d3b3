/** `healer init --cron|--kubernetes`: write the watchdog files from templates/, never overwriting without --force. */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { renderTemplate, SCAFFOLDS, scaffoldValues, type ScaffoldKind } from '../core/scaffold.js';
import { HealerError, usageError } from '../errors.js';
import type { Output } from '../output.js';
import { packageVersion, templatesDir } from '../package-paths.js';

export interface ScaffoldOptions {
  cron?: boolean;
  kubernetes?: boolean;
  outDir?: string;
  force?: boolean;
  every?: string;
  stateDir?: string;
  gitlabUrl?: string;
  namespace?: string;
  command?: string;
}


async function existing(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw usageError(`cannot read ${path}: ${(error as Error).message}`);
  }
}

export async function writeScaffolds(options: ScaffoldOptions, deps: { out: Output; cwd: string }): Promise<number> {
  const kinds: ScaffoldKind[] = [];
  if (options.cron) kinds.push('cron');
  if (options.kubernetes) kinds.push('kubernetes');
  const every = options.every === undefined ? undefined : Number(options.every);
  const values = scaffoldValues({
    version: packageVersion(),
    ...(options.command === undefined ? {} : { command: options.command }),
    ...(every === undefined ? {} : { everyMinutes: every }),
    ...(options.stateDir === undefined ? {} : { stateDir: options.stateDir }),
    ...(options.gitlabUrl === undefined ? {} : { gitlabUrl: options.gitlabUrl }),
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
  });
  if ('error' in values) throw usageError(values.error);
  const dir = resolve(deps.cwd, options.outDir ?? '.');
  const planned: { path: string; text: string; state: 'new' | 'same' | 'differs' }[] = [];
  for (const kind of kinds) {
    for (const file of SCAFFOLDS[kind]) {
      const text = renderTemplate(await readFile(join(templatesDir(), file.template), 'utf8'), values);
      const path = join(dir, file.output);
      const current = await existing(path);
      planned.push({ path, text, state: current === null ? 'new' : current === text ? 'same' : 'differs' });
    }
  }
  const blocked = planned.filter((p) => p.state === 'differs');
  if (blocked.length > 0 && !options.force) {
    throw usageError(
      `${blocked.map((p) => relative(deps.cwd, p.path) || p.path).join(', ')} already exist${blocked.length === 1 ? 's' : ''} with other content`,
      'nothing was written; pass --force to overwrite',
    );
  }
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const p of planned) {
    if (p.state === 'same') continue;
    try {
      await writeFile(p.path, p.text, 'utf8');
    } catch (error) {
      throw new HealerError('action', `cannot write ${p.path}: ${(error as Error).message}`, { cause: error });
    }
    written.push(p.path);
  }
  const show = (p: string) => relative(deps.cwd, p) || p;
  if (deps.out.json) {
    deps.out.data({ ok: true, written: written.map(show), unchanged: planned.filter((p) => p.state === 'same').map((p) => show(p.path)) });
  } else {
    for (const p of planned) deps.out.line(`healer: ${p.state === 'same' ? 'unchanged' : p.state === 'new' ? 'wrote' : 'overwrote'} ${show(p.path)}`);
  }
  return 0;
}

/**
 * The config file: `--config FILE`, else HEALER_CONFIG, else `healer.config.json` in the working folder when it
 * exists. Checked against schema/healer.config.schema.json by ajv standalone code generated at build time, so no
 * ajv compiler is ever loaded; errors are rewritten into sentences a person can act on.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { configError } from './config-values.js';
import { DURATION_HINT } from './core/units.js';

export const DEFAULT_CONFIG_FILE = 'healer.config.json';

export interface ConfigFile {
  path: string;
  dir: string;
  data: Record<string, unknown>;
}

interface AjvError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

const TOKEN_KEYS = /^(token|trigger_token|private_token|api_token|password|secret)$/i;

/** Read and check the config file; null when none is named and the default file does not exist. */
export async function loadConfigFile(flag: string | undefined, env: Record<string, string | undefined>, cwd: string): Promise<ConfigFile | null> {
  const named = flag ?? (env.HEALER_CONFIG || undefined);
  const path = resolve(cwd, named ?? DEFAULT_CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && named === undefined) return null;
    throw configError(`cannot read config file ${path} (${code ?? 'error'})`, named ? `check the path given to ${flag !== undefined ? '--config' : 'HEALER_CONFIG'}` : undefined);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw configError(`config file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw configError(`config file ${path} must hold a JSON object`);
  const { validateConfigFile } = await import('./generated/config-validator.js');
  const validate = validateConfigFile as ((value: unknown) => boolean) & { errors?: AjvError[] | null };
  if (!validate(data)) throw configError(`config file ${path}: ${describe(validate.errors ?? [])}`, 'see schema/healer.config.schema.json and the README');
  return { path, dir: dirname(path), data: data as Record<string, unknown> };
}

/** At most three problems, each as "where: what to do". */
function describe(errors: AjvError[]): string {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const error of errors) {
    const line = sentence(error);
    if (line === null || seen.has(line)) continue;
    seen.add(line);
    lines.push(line);
  }
  const shown = lines.slice(0, 3).join('; ');
  return lines.length > 3 ? `${shown} (+${lines.length - 3} more)` : shown;
}

function sentence(error: AjvError): string | null {
  const where = error.instancePath === '' ? 'top level' : error.instancePath.slice(1).replace(/\//g, '.');
  if (error.keyword === 'additionalProperty' || error.keyword === 'additionalProperties') {
    const key = String(error.params.additionalProperty);
    if (TOKEN_KEYS.test(key)) {
      return `${where === 'top level' ? '' : `${where}.`}${key}: tokens do not belong in the config file; set token_file / trigger_token_file, or GITLAB_TOKEN / GITLAB_TRIGGER_TOKEN`;
    }
    return `${where}: unknown setting "${key}"`;
  }
  if (error.keyword === 'anyOf' && /threshold|age|timeout/.test(where)) return `${where}: not a duration (${DURATION_HINT})`;
  // The branches of a duration's anyOf repeat what the line above says.
  if ((error.keyword === 'type' || error.keyword === 'pattern' || error.keyword === 'minimum') && /threshold|age|timeout/.test(where)) return null;
  if (error.keyword === 'enum') return `${where}: must be one of ${(error.params.allowedValues as unknown[]).map(String).join(', ')}`;
  if (error.keyword === 'pattern' && where === 'gitlab.url') return `${where}: must be an http(s) URL such as https://gitlab.example.com`;
  return `${where}: ${error.message ?? 'is invalid'}`;
}

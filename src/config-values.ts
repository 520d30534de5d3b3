/**
 * One setting's value with where it came from, and the parsers that turn it into a number, duration, flag or
 * list; a bad value is a config error that names its source (the flag, the variable, or the file and key).
 */
import { checkStageName } from './core/names.js';
import { DURATION_HINT, describeDuration, parseDuration, parseStageDurations, type BareUnit } from './core/units.js';
import { HealerError } from './errors.js';

export type Source = 'flag' | 'env' | 'file' | 'default';

export interface Raw {
  source: Source;
  /** `--stuck-threshold`, `STUCK_THRESHOLD_MINUTES`, `healer.config.json: stuck_threshold`. */
  name: string;
  value: unknown;
}

export const configError = (message: string, hint?: string) => new HealerError('config', message, { hint });

/** The first candidate that is set: flags, then environment, then the file (the caller orders them). */
export function first(...candidates: Array<Raw | undefined>): Raw | undefined {
  return candidates.find((c) => c !== undefined && c.value !== undefined && c.value !== null && c.value !== '');
}

export const fromEnv = (env: Record<string, string | undefined>, name: string): Raw | undefined =>
  env[name] === undefined || env[name] === '' ? undefined : { source: 'env', name, value: env[name] };

export const fromFlag = (value: unknown, name: string): Raw | undefined =>
  value === undefined ? undefined : { source: 'flag', name, value };

const show = (value: unknown) => JSON.stringify(value)?.slice(0, 60) ?? String(value);

/**
 * What a number without a unit means for this setting (the README's "Durations"): nothing on the command line (a
 * unit is needed there), minutes for the old watchdog's *_MINUTES variables, seconds for the other variables and
 * the config file, as they have always been read.
 */
export function bareUnitOf(raw: Raw): BareUnit {
  if (raw.source === 'flag') return null;
  return /_MINUTES$/.test(raw.name) ? 'm' : 's';
}

export function asDuration(raw: Raw, { min = 0 }: { min?: number } = {}): number {
  const bare = bareUnitOf(raw);
  const parsed = parseDuration(raw.value, bare);
  if (!parsed.ok) {
    // A flag says what it expected the way every duration flag does; a variable or file key names its value.
    if (bare === null) throw configError(`${raw.name}: ${parsed.reason}`);
    throw configError(`${raw.name}=${show(raw.value)} is not a duration`, bare === 'm' ? 'write a number of minutes, e.g. 10' : DURATION_HINT);
  }
  return atLeast(raw, parsed.value, min);
}

function atLeast(raw: Raw, ms: number, min: number): number {
  if (ms < min) throw configError(`${raw.name}=${show(raw.value)} is too short (at least ${min} ms)`);
  return ms;
}

export function asInteger(raw: Raw, min: number, max: number): number {
  const text = typeof raw.value === 'number' ? String(raw.value) : String(raw.value).trim();
  if (!/^\d{1,9}$/.test(text) || Number(text) < min || Number(text) > max) {
    throw configError(`${raw.name}=${show(raw.value)} is not a whole number from ${min} to ${max}`);
  }
  return Number(text);
}

export function asBoolean(raw: Raw): boolean {
  if (typeof raw.value === 'boolean') return raw.value;
  const text = String(raw.value).trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(text)) return true;
  if (['0', 'false', 'no', 'off'].includes(text)) return false;
  throw configError(`${raw.name}=${show(raw.value)} is not true or false`);
}

export function asList(raw: Raw): string[] {
  const items = Array.isArray(raw.value) ? raw.value.map(String) : String(raw.value).split(',');
  const list = items.map((s) => s.trim()).filter((s) => s.length > 0);
  for (const item of list) {
    if (!/^[a-z_]{1,64}$/.test(item)) throw configError(`${raw.name}: ${show(item)} is not a GitLab failure reason (lower_case_words)`);
  }
  return [...new Set(list)];
}

export function asChoice<T extends string>(raw: Raw, choices: readonly T[]): T {
  const text = String(raw.value).trim();
  if (!(choices as readonly string[]).includes(text)) throw configError(`${raw.name}=${show(raw.value)} is not one of ${choices.join(', ')}`);
  return text as T;
}

/**
 * Per-stage thresholds: "deploy=30m, e2e=20m" (a variable or a flag) or {"deploy": "30m"} (the file) → stage → ms.
 * Stage names are checked like everywhere else; each threshold is at least a second.
 */
export function asStageThresholds(raw: Raw): Record<string, number> {
  const out: Record<string, number> = Object.create(null) as Record<string, number>;
  if (typeof raw.value === 'string') {
    const parsed = parseStageDurations(raw.value, raw.name, bareUnitOf(raw));
    if (!parsed.ok) throw configError(parsed.reason, 'e.g. HEALER_STAGE_THRESHOLDS="deploy=30m,e2e=20m"');
    for (const [stage, ms] of Object.entries(parsed.value)) {
      out[checkedStage(raw, stage)] = atLeast({ ...raw, name: `${raw.name} (${stage})`, value: describeDuration(ms) }, ms, 1000);
    }
    return out;
  }
  for (const [stage, value] of Object.entries(raw.value as Record<string, unknown>)) {
    out[checkedStage(raw, stage)] = asDuration({ ...raw, name: `${raw.name} (${stage})`, value }, { min: 1000 });
  }
  return out;
}

function checkedStage(raw: Raw, stage: string): string {
  const check = checkStageName(stage);
  if (!check.ok) throw configError(`${raw.name}: ${check.reason}`);
  return stage;
}

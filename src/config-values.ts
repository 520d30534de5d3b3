/**
 * One setting's value with where it came from, and the parsers that turn it into a number, duration, flag or
 * list; a bad value is a config error that names its source (the flag, the variable, or the file and key).
 */
import { checkStageName } from './core/names.js';
import { DURATION_HINT, parseDuration, type BareUnit } from './core/duration.js';
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

export function asDuration(raw: Raw, bareUnit: BareUnit = 's', { min = 0 }: { min?: number } = {}): number {
  const ms = parseDuration(raw.value, bareUnit);
  if (ms === null) {
    const hint = bareUnit === 'm' ? 'write a number of minutes, e.g. 10' : DURATION_HINT;
    throw configError(`${raw.name}=${show(raw.value)} is not a duration`, hint);
  }
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

/** "deploy=30m, e2e=20m" (environment) or {"deploy": "30m"} (file) → stage → ms. */
export function asStageThresholds(raw: Raw): Record<string, number> {
  const out: Record<string, number> = Object.create(null) as Record<string, number>;
  const entries: Array<[string, unknown]> =
    typeof raw.value === 'string'
      ? raw.value
          .split(',')
          .map((part) => part.trim())
          .filter((part) => part !== '')
          .map((part) => {
            const at = part.lastIndexOf('=');
            if (at <= 0) throw configError(`${raw.name}: ${show(part)} is not STAGE=DURATION`, 'e.g. HEALER_STAGE_THRESHOLDS="deploy=30m,e2e=20m"');
            return [part.slice(0, at).trim(), part.slice(at + 1).trim()] as [string, unknown];
          })
      : Object.entries(raw.value as Record<string, unknown>);
  for (const [stage, value] of entries) {
    const check = checkStageName(stage);
    if (!check.ok) throw configError(`${raw.name}: ${check.reason}`);
    out[stage] = asDuration({ ...raw, name: `${raw.name} (${stage})`, value }, 's', { min: 1000 });
  }
  return out;
}

/**
 * Validation of the names that come from the command line or CI variables.
 * Only the pipeline id becomes a path component. Stage and job names are JSON keys, never paths, so job names
 * such as `test:cargo 1/3` are legitimate; they are still refused when they carry control characters or an absurd
 * length, and stage names may not look like paths at all.
 */
export const MAX_NAME_LENGTH = 255;
const CONTROL = /[\u0000-\u001f\u007f]/;

export type NameCheck = { ok: true; value: string } | { ok: false; reason: string };

export function checkPipelineId(value: unknown): { ok: true; value: number } | { ok: false; reason: string } {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  if (!/^[1-9][0-9]{0,15}$/.test(text)) {
    return { ok: false, reason: `pipeline id ${JSON.stringify(String(value ?? '')).slice(0, 80)} is not a positive integer` };
  }
  return { ok: true, value: Number(text) };
}

function checkCommon(kind: string, value: unknown): NameCheck {
  if (typeof value !== 'string' || value.length === 0) return { ok: false, reason: `${kind} name is empty` };
  if (value.length > MAX_NAME_LENGTH) {
    return { ok: false, reason: `${kind} name is ${value.length} characters long (at most ${MAX_NAME_LENGTH})` };
  }
  if (CONTROL.test(value)) return { ok: false, reason: `${kind} name ${JSON.stringify(value)} contains control characters` };
  return { ok: true, value };
}

export function checkStageName(value: unknown): NameCheck {
  const common = checkCommon('stage', value);
  if (!common.ok) return common;
  const name = common.value;
  if (name === '.' || name === '..' || name.includes('/') || name.includes('\\')) {
    return { ok: false, reason: `stage name ${JSON.stringify(name)} looks like a path ('/', '\\', '.' and '..' are not allowed)` };
  }
  if (name.trim() !== name) return { ok: false, reason: `stage name ${JSON.stringify(name)} has leading or trailing spaces` };
  return common;
}

export function checkJobName(value: unknown): NameCheck {
  return checkCommon('job', value);
}

/** Own-property lookup: record keys are user data, so `constructor` or `__proto__` must not reach Object.prototype. */
export function own<T>(map: Record<string, T> | undefined, key: string): T | undefined {
  return map !== undefined && Object.prototype.hasOwnProperty.call(map, key) ? map[key] : undefined;
}

/**
 * Durations and byte sizes as people type them on command lines, in CI variables and in the config file. Pure;
 * every refusal says what was expected. This is healer's one duration grammar (the README's "Durations"):
 *
 *   one or more <number><unit> parts, units ms s m h d w: "500ms", "45s", "10m", "1h30m", "1.5h", "7d", "2w";
 *   spaces between parts are allowed, case does not matter.
 *
 * A number without a unit means what the caller says (`bare`): seconds or minutes where a setting has always been
 * read that way (the config file, the HEALER_* variables of the watchdog's configuration, the old *_MINUTES
 * variables), and nothing at all — refused — where it would be a guess (command-line flags: is `--older-than 7`
 * seven days or seven seconds?).
 */
export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/** What a number without a unit means: seconds, minutes, or null (refused: a unit is needed). */
export type BareUnit = 's' | 'm' | null;

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };
const NUMBER = '\\d{1,9}(?:\\.\\d+)?';
const PART = new RegExp(`(${NUMBER})(ms|s|m|h|d|w)`, 'g');
const WHOLE = new RegExp(`^(?:${NUMBER}(?:ms|s|m|h|d|w))+$`);
const BARE = new RegExp(`^${NUMBER}$`);
const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

const show = (value: unknown) => (JSON.stringify(value) ?? String(value)).slice(0, 40);

/** What a person should write instead; said by every refusal of a duration. */
export const DURATION_FORMS = '7d, 12h, 30m, 45s or 1d12h';

/** For settings where a bare number means seconds (the config file, the HEALER_* variables). */
export const DURATION_HINT = 'write a duration such as "30s", "10m", "1h30m" (a bare number means seconds)';

/**
 * A duration in milliseconds (never negative). `value` is text, or a JSON number from the config file, which is
 * a bare number like any other.
 */
export function parseDuration(value: unknown, bare: BareUnit = null): Parsed<number> {
  const refused = (why = ''): Parsed<number> => ({ ok: false, reason: `duration ${show(value)} is not like ${DURATION_FORMS}${why}` });
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) return refused();
    return bare === null ? refused(' (a unit is needed)') : { ok: true, value: Math.round(value * DURATION_UNITS[bare]!) };
  }
  if (typeof value !== 'string') return refused();
  const text = value.trim().toLowerCase().replace(/\s+/g, '');
  if (BARE.test(text)) return bare === null ? refused(' (a unit is needed)') : { ok: true, value: Math.round(Number(text) * DURATION_UNITS[bare]!) };
  if (!WHOLE.test(text)) return refused();
  let ms = 0;
  for (const [, amount, unit] of text.matchAll(PART)) ms += Number(amount) * DURATION_UNITS[unit as string]!;
  return { ok: true, value: Math.round(ms) };
}

/** The inverse for messages and --verbose: whole units where possible ("10m", "90s", "1h30m", "1500ms"). */
export function describeDuration(ms: number): string {
  if (ms % 1000 !== 0) return `${ms}ms`;
  let s = ms / 1000;
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86_400], ['h', 3600], ['m', 60]] as const) {
    if (s >= size) {
      parts.push(`${Math.floor(s / size)}${unit}`);
      s %= size;
    }
  }
  if (s > 0 || parts.length === 0) parts.push(`${s}s`);
  return parts.join('');
}

/**
 * Per-stage durations as one line: "deploy=30m, test=15m" → { deploy: 1800000, test: 900000 }. Empty parts are
 * ignored; the last `=` splits (a stage name may hold one). `source` (the flag or variable) starts every refusal.
 * Stage names are only checked by the caller (core/names.ts): they are JSON keys here, never paths.
 */
export function parseStageDurations(text: string, source: string, bare: BareUnit = null): Parsed<Record<string, number>> {
  const out: Record<string, number> = Object.create(null) as Record<string, number>;
  for (const part of text.split(',').map((s) => s.trim()).filter((s) => s.length > 0)) {
    const eq = part.lastIndexOf('=');
    if (eq <= 0) return { ok: false, reason: `${source}: ${show(part)} is not STAGE=DURATION (e.g. deploy=30m)` };
    const stage = part.slice(0, eq).trim();
    const duration = parseDuration(part.slice(eq + 1), bare);
    if (!duration.ok) return { ok: false, reason: `${source}: ${duration.reason} (stage ${show(stage)})` };
    out[stage] = duration.value;
  }
  return { ok: true, value: out };
}

/** A size in bytes: a number with an optional binary unit k, m, g, t (optionally followed by "b" or "ib"). */
export function parseSize(text: string): Parsed<number> {
  const m = /^(\d{1,15}(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(text.trim());
  if (!m) return { ok: false, reason: `size ${show(text)} is not like 1048576, 512k, 100m or 2g` };
  const bytes = Math.floor(Number(m[1]) * SIZE_UNITS[(m[2] ?? '').toLowerCase()]!);
  if (!Number.isSafeInteger(bytes)) return { ok: false, reason: `size ${show(text)} is too large` };
  return { ok: true, value: bytes };
}

/** "1.5 GiB", "320 KiB", "12 B": sizes in messages a person reads. */
export function formatSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value >= 10 ? Math.round(value) : Math.round(value * 10) / 10} ${units[unit]}`;
}

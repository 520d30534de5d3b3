/**
 * Durations a person writes in configuration: "30s", "10m", "1h30m", "1.5h", "500ms", "2d". A bare number means
 * seconds (or the unit the caller names, e.g. minutes for the old watchdog's *_MINUTES variables). Pure.
 */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;
const BARE = /^\d+(?:\.\d+)?$/;

export type BareUnit = 's' | 'm';

/** Milliseconds, or null when the text is not a duration. Never negative; spaces between parts are allowed. */
export function parseDuration(value: unknown, bareUnit: BareUnit = 's'): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value * UNIT_MS[bareUnit]!) : null;
  if (typeof value !== 'string') return null;
  const text = value.trim().toLowerCase().replace(/\s+/g, '');
  if (text === '') return null;
  if (BARE.test(text)) return Math.round(Number(text) * UNIT_MS[bareUnit]!);
  if (!WHOLE.test(text)) return null;
  let total = 0;
  for (const match of text.matchAll(PART)) total += Number(match[1]) * UNIT_MS[match[2]!]!;
  return Math.round(total);
}

/** The inverse for messages and --json: whole units where possible ("10m", "90s", "1h30m"). */
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

export const DURATION_HINT = 'write a duration such as "30s", "10m", "1h30m" (a bare number means seconds)';

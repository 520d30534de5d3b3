/**
 * Durations ("7d", "12h", "30m", "45s", "1d12h") and byte sizes ("512k", "100m", "2g", "1048576") as people type
 * them on command lines and in CI variables. Pure; every refusal says what was expected.
 */
export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

const DURATION_UNITS: Record<string, number> = { w: 7 * 86_400_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 };
const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

const show = (value: string) => JSON.stringify(value).slice(0, 40);

/** A duration in milliseconds: one or more <number><unit> parts, units w d h m s; no unit is refused (ambiguous). */
export function parseDuration(text: string): Parsed<number> {
  const value = text.trim().toLowerCase().replace(/\s+/g, '');
  if (!/^(\d{1,9}(\.\d+)?[wdhms])+$/.test(value)) {
    return { ok: false, reason: `duration ${show(text)} is not like 7d, 12h, 30m, 45s or 1d12h` };
  }
  let ms = 0;
  for (const [, amount, unit] of value.matchAll(/(\d+(?:\.\d+)?)([wdhms])/g)) {
    ms += Number(amount) * DURATION_UNITS[unit as string]!;
  }
  return { ok: true, value: Math.round(ms) };
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

/**
 * Per-stage thresholds: "deploy=30m,test=15m" → { deploy: 1800000, test: 900000 }.
 * Stage names are JSON keys here, never paths; empty parts are ignored.
 */
export function parseStageDurations(text: string, source: string): Parsed<Record<string, number>> {
  const out: Record<string, number> = Object.create(null) as Record<string, number>;
  for (const part of text.split(',').map((s) => s.trim()).filter((s) => s.length > 0)) {
    const eq = part.lastIndexOf('=');
    if (eq <= 0) return { ok: false, reason: `${source}: ${show(part)} is not STAGE=DURATION (e.g. deploy=30m)` };
    const duration = parseDuration(part.slice(eq + 1));
    if (!duration.ok) return { ok: false, reason: `${source}: ${duration.reason}` };
    out[part.slice(0, eq).trim()] = duration.value;
  }
  return { ok: true, value: out };
}

/**
 * Timestamps: healer writes ISO 8601 UTC with `Z` and second precision (2026-12-04T09:15:12Z).
 * The legacy bash helper wrote UTC without a zone (2025-04-13T09:15:12): read it as UTC.
 */
const ZONED = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const ZONELESS = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?$/;

/** Milliseconds since the epoch, or NaN for anything that is not one of the two accepted forms. */
export function parseTimestamp(value: unknown): number {
  if (typeof value !== 'string') return Number.NaN;
  if (ZONED.test(value)) return Date.parse(value);
  const m = ZONELESS.exec(value);
  if (m) return Date.parse(`${m[1]}${m[2] ?? ''}Z`);
  return Number.NaN;
}

export function formatTimestamp(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** A legacy zone-less timestamp rewritten with `Z` (same instant); anything else is returned unchanged. */
export function withZone(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const ms = parseTimestamp(value);
  return Number.isNaN(ms) ? value : ZONED.test(value) ? value : formatTimestamp(ms);
}

/** "14m", "2h 5m", "40s": durations in messages a person reads. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 === 0 ? `${h}h` : `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d`;
}

/**
 * The byte-level pre-filter of a scan: a record is parsed only when its bytes could hold something to act on.
 * Anything a resume can start from is spelled in the record as a JSON string: an "in_progress" or "failed" status,
 * an unsettled "intent". With an API token a recent record is parsed too (a pipeline between stages may have a job
 * that failed on its runner before it recorded anything; only GitLab knows). A false positive costs one parse;
 * there are no false negatives for healer's own records, which always spell these values the same way. A record
 * that is cut short (not `{ … }`) is always parsed by the reader, so that it is reported.
 */
import type { Policy } from '../core/policy.js';
import { formatTimestamp, parseTimestamp } from '../core/time.js';

const NEEDLES = ['"in_progress"', '"failed"', '"intent"'].map((s) => Buffer.from(s));
const CREATED = Buffer.from('"created"');
const VERSION = Buffer.from('"version"');

export function worthParsing(now: number, policy: Policy): (bytes: Buffer) => boolean {
  // healer writes "YYYY-MM-DDTHH:MM:SSZ", which sorts as text: compare bytes with the cut-off, no Date parsing.
  const cutoff = Buffer.from(formatTimestamp(now - policy.maxAgeMs), 'latin1');
  return (bytes) => {
    for (const needle of NEEDLES) if (bytes.indexOf(needle) >= 0) return true;
    // A record of another format version is parsed, so that it is reported (a newer healer wrote it).
    if (!versionOneOrLegacy(bytes)) return true;
    if (!policy.capabilities.api) return false;
    return createdSince(bytes, cutoff);
  };
}

/** Whether the top-level "created" timestamp ("created": "2026-12-04T09:15:12Z") is at or after the cut-off. */
function createdSince(bytes: Buffer, cutoff: Buffer): boolean {
  const at = bytes.lastIndexOf(CREATED);
  if (at < 0) return false;
  const open = bytes.indexOf(0x22, at + CREATED.length); // the value's opening quote
  if (open < 0 || open > at + CREATED.length + 4) return false;
  const close = bytes.indexOf(0x22, open + 1);
  if (close < 0 || close - open > 40) return false;
  if (close - open - 1 === cutoff.length && bytes[close - 1] === 0x5a /* Z */) return bytes.compare(cutoff, 0, cutoff.length, open + 1, close) >= 0;
  const ms = parseTimestamp(bytes.toString('latin1', open + 1, close));
  return !Number.isNaN(ms) && ms >= parseTimestamp(cutoff.toString('latin1'));
}

/** No "version" key (the bash helper's format) or "version": 1. */
function versionOneOrLegacy(bytes: Buffer): boolean {
  const at = bytes.indexOf(VERSION);
  if (at < 0) return true;
  let i = at + VERSION.length;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x3a || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i += 1;
  return bytes[i] === 0x31 && !(bytes[i + 1]! >= 0x30 && bytes[i + 1]! <= 0x39); // "1", not "10"
}

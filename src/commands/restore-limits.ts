/**
 * The bounds of one `healer restore`: flags win over HEALER_RESTORE_* variables, which win over the defaults.
 * Defaults: an archive of up to 1 GiB downloaded (GitLab.com's own artifact limit) within 10 minutes, at most
 * 4 GiB unpacked in total, 1 GiB per file, 100,000 entries.
 */
import { parseSize } from '../core/units.js';
import { usageError } from '../errors.js';
import { durationFlag } from './duration-flag.js';

export interface LimitFlags {
  maxSize?: string;
  maxFileSize?: string;
  maxFiles?: string;
  maxDownload?: string;
  timeout?: string;
}

export interface RestoreLimits {
  maxTotalBytes: number;
  maxEntryBytes: number;
  maxFiles: number;
  maxDownloadBytes: number;
  timeoutMs: number;
}

export const DEFAULT_RESTORE_LIMITS: RestoreLimits = {
  maxTotalBytes: 4 * 1024 ** 3,
  maxEntryBytes: 1024 ** 3,
  maxFiles: 100_000,
  maxDownloadBytes: 1024 ** 3,
  timeoutMs: 10 * 60_000,
};

type Env = Record<string, string | undefined>;

function pick(flag: string | undefined, env: Env, key: string): [string, string] | null {
  if (flag !== undefined) return [flag, key];
  const value = env[key];
  return value === undefined || value.trim() === '' ? null : [value, key];
}

function size(flag: string | undefined, env: Env, key: string, name: string, fallback: number): number {
  const raw = pick(flag, env, key);
  if (raw === null) return fallback;
  const parsed = parseSize(raw[0]);
  if (!parsed.ok || parsed.value <= 0) throw usageError(`${name} (${key}): ${parsed.ok ? 'must be more than 0' : parsed.reason}`);
  return parsed.value;
}

export function limitsFrom(flags: LimitFlags, env: Env): RestoreLimits {
  const filesRaw = pick(flags.maxFiles, env, 'HEALER_RESTORE_MAX_FILES');
  let maxFiles = DEFAULT_RESTORE_LIMITS.maxFiles;
  if (filesRaw !== null) {
    if (!/^\d{1,9}$/.test(filesRaw[0].trim()) || Number(filesRaw[0]) < 1) {
      throw usageError(`--max-files (HEALER_RESTORE_MAX_FILES): ${JSON.stringify(filesRaw[0]).slice(0, 30)} is not a positive number`);
    }
    maxFiles = Number(filesRaw[0]);
  }
  const timeoutRaw = pick(flags.timeout, env, 'HEALER_RESTORE_TIMEOUT');
  const timeoutMs = timeoutRaw === null ? DEFAULT_RESTORE_LIMITS.timeoutMs : durationFlag(timeoutRaw[0], '--timeout (HEALER_RESTORE_TIMEOUT)');
  return {
    maxTotalBytes: size(flags.maxSize, env, 'HEALER_RESTORE_MAX_SIZE', '--max-size', DEFAULT_RESTORE_LIMITS.maxTotalBytes),
    maxEntryBytes: size(flags.maxFileSize, env, 'HEALER_RESTORE_MAX_FILE_SIZE', '--max-file-size', DEFAULT_RESTORE_LIMITS.maxEntryBytes),
    maxFiles,
    maxDownloadBytes: size(flags.maxDownload, env, 'HEALER_RESTORE_MAX_DOWNLOAD', '--max-download', DEFAULT_RESTORE_LIMITS.maxDownloadBytes),
    timeoutMs,
  };
}

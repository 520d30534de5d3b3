/**
 * `healer scan [--dry-run] [--json] [--state-dir DIR]`: the watchdog. Reads configuration, builds the store and the
 * GitLab client, runs one scan (src/scan/run-scan.ts), prints the report. Exit 0 when all went well, 1 when an
 * action or a record failed, 2 for usage and configuration errors.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { loadConfig, policyOf, type ConfigFlags, type HealerConfig } from '../config.js';
import { configError } from '../config-values.js';
import type { Policy } from '../core/policy.js';
import { describeDuration } from '../core/units.js';
import { HealerError } from '../errors.js';
import { GitLabClient } from '../gitlab/client.js';
import type { Output } from '../output.js';
import type { Redactor } from '../redact.js';
import { runScan } from '../scan/run-scan.js';
import { render } from '../scan/render.js';
import { FileStore } from '../store/file-store.js';
import { lockOptionsFromEnv } from '../store/lock.js';

export interface ScanOptions extends ConfigFlags {
  dryRun?: boolean;
}

export interface ScanCommandDeps {
  env: Record<string, string | undefined>;
  out: Output;
  now: () => number;
  cwd: string;
  redactor: Redactor;
}

export async function runScanCommand(options: ScanOptions, deps: ScanCommandDeps): Promise<number> {
  const { out, env } = deps;
  const { config, policy, dryRun } = await watchdogConfig(options, deps);
  const store = await openStore(config, env);
  const client = gitlabClient(config, deps.now() + config.scanTimeoutMs, out);
  const interactive = !out.json && out.stdout.isTTY === true && out.stderr.isTTY === true;
  try {
    const report = await runScan({
      store,
      policy,
      client,
      dryRun,
      owner: ownerId(),
      now: deps.now,
      deadline: deps.now() + config.scanTimeoutMs,
      concurrency: config.concurrency,
      cancelWaitMs: config.cancelWaitMs,
      readMode: config.readMode,
      gitlabUrl: config.gitlabUrl,
      tokens: { api: config.apiToken !== null, trigger: config.triggerToken !== null },
      progress: interactive ? (c) => out.progress(`healer scan: ${c.records} records read, ${c.candidates} candidates, ${c.actions} ${dryRun ? 'planned' : 'acted on'}`) : undefined,
      log: (message) => out.debug(message),
      redact: (text) => deps.redactor.redact(text),
    });
    if (interactive) out.progressDone();
    render(report, out);
    if (env.HEALER_STATS === '1') {
      out.stderr.write(`healer-stats ${JSON.stringify({ max_rss_kb: process.resourceUsage().maxRSS, records: report.counts.records, duration_ms: report.duration_ms })}\n`);
    }
    return report.ok ? 0 : 1;
  } finally {
    client?.close();
  }
}

/**
 * The configuration of a command that resumes pipelines (scan, resume): its policy, and a refusal to act without
 * any token (a dry run needs none). --verbose says where each setting came from.
 */
export async function watchdogConfig(options: ConfigFlags & { dryRun?: boolean }, deps: ScanCommandDeps): Promise<{ config: HealerConfig; policy: Policy; dryRun: boolean }> {
  const config = await loadConfig(options, deps.env, { cwd: deps.cwd, redactor: deps.redactor });
  const policy = policyOf(config);
  const dryRun = options.dryRun === true;
  if (!dryRun && policy.capabilities.resumeVia === null) throw noToken(config);
  explain(config, deps.out);
  return { config, policy, dryRun };
}

export function ownerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

function noToken(config: HealerConfig): HealerError {
  const forced = config.resumeVia !== 'auto' ? ` (HEALER_RESUME_VIA=${config.resumeVia} needs its token)` : '';
  return configError(
    `no GitLab token configured: healer cannot resume anything${forced}`,
    'set GITLAB_TOKEN / GITLAB_TOKEN_FILE (api scope: check, cancel and create) or GITLAB_TRIGGER_TOKEN / GITLAB_TRIGGER_TOKEN_FILE (trigger only); --dry-run works without',
  );
}

export async function openStore(config: HealerConfig, env: Record<string, string | undefined>): Promise<FileStore> {
  const store = new FileStore(config.stateDir, lockOptionsFromEnv(env));
  try {
    await store.checkStateDir();
  } catch (error) {
    // For the watchdog a missing state folder is a configuration problem (exit 2), not a lock problem.
    if (error instanceof HealerError) throw configError(error.message, error.hint);
    throw error;
  }
  return store;
}

export function gitlabClient(config: HealerConfig, deadline: number | null, out: Output): GitLabClient | null {
  if (config.apiToken === null && config.triggerToken === null) return null;
  return new GitLabClient({
    baseUrl: config.gitlabUrl,
    apiToken: config.apiToken,
    triggerToken: config.triggerToken,
    requestTimeoutMs: config.requestTimeoutMs,
    deadline,
    maxSockets: config.concurrency,
    retry: { baseMs: config.retryBaseMs },
    userAgent: 'healer',
    log: (message) => out.debug(message),
  });
}

/** --verbose: where every setting came from (tokens only by source, never by value). */
function explain(config: HealerConfig, out: Output): void {
  if (!out.verbose) return;
  out.debug(`config file: ${config.configFile ?? 'none'}; GitLab: ${config.gitlabUrl}; state: ${config.stateDir}`);
  out.debug(
    `stuck threshold ${describeDuration(config.stuckThresholdMs)}, max age ${describeDuration(config.maxAgeMs)}, ` +
      `max retries ${config.maxRetries}, request timeout ${describeDuration(config.requestTimeoutMs)}, scan timeout ${describeDuration(config.scanTimeoutMs)}`,
  );
  out.debug(`sources: ${Object.entries(config.sources).map(([k, v]) => `${k}=${v}`).join(', ')}`);
}

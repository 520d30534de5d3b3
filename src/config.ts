/**
 * Configuration of the watchdog and of everything that judges records: flags > environment > config file >
 * defaults, for every setting. The old watchdog's variables keep their meaning and defaults (GITLAB_PROJECT_ID,
 * GITLAB_TRIGGER_TOKEN, STUCK_THRESHOLD_MINUTES=10, MAX_RETRY_COUNT=2, MAX_PIPELINE_AGE_MINUTES=60; GITLAB_REF is now
 * only the fallback for records that do not name their ref). Tokens are registered with the redactor the moment
 * they are read.
 *
 * `loadRecordConfig` is the part that needs no GitLab and no token (state folder, stuck thresholds, read mode):
 * `healer status` and `healer prune` load exactly that, so they judge records with the same settings as `scan`.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { loadConfigFile, type ConfigFile } from './config-file.js';
import {
  asBoolean,
  asChoice,
  asDuration,
  asInteger,
  asList,
  asStageThresholds,
  configError,
  first,
  fromEnv,
  fromFlag,
  type Raw,
  type Source,
} from './config-values.js';
import { DEFAULT_POLICY, normalizeServerUrl, type Policy } from './core/policy.js';
import type { Redactor } from './redact.js';
import { DEFAULT_STATE_DIR } from './store/file-store.js';

/** What judging records needs: the flags `status` and `prune` have too. */
export interface RecordConfigFlags {
  stateDir?: string;
  config?: string;
  /** scan's --stuck-threshold */
  stuckThreshold?: string;
  /** status's and prune's name for it: --stuck-after */
  stuckAfter?: string;
  /** --stage-threshold STAGE=DURATION, repeatable (status, prune) */
  stageThreshold?: string[];
}

export interface ConfigFlags extends RecordConfigFlags {
  maxRetries?: string;
  maxAge?: string;
  gitlabUrl?: string;
}

export type ResumeVia = 'auto' | 'create' | 'trigger';

export interface RecordConfig {
  stateDir: string;
  configFile: string | null;
  stuckThresholdMs: number;
  stageThresholdsMs: Record<string, number>;
  readMode: 'auto' | 'sync' | 'async';
  /** Where each setting came from, for --verbose. */
  sources: Record<string, string>;
}

export interface HealerConfig extends RecordConfig {
  gitlabUrl: string;
  apiToken: string | null;
  triggerToken: string | null;
  fallbackProject: string | null;
  fallbackRef: string | null;
  maxRetries: number;
  maxAgeMs: number;
  infraFailureReasons: string[];
  supersededCheck: boolean;
  intentTimeoutMs: number;
  /** After canceling a stuck pipeline, how long to wait for GitLab to report it canceled before the resume starts. */
  cancelWaitMs: number;
  requestTimeoutMs: number;
  scanTimeoutMs: number;
  concurrency: number;
  resumeVia: ResumeVia;
  /** First backoff wait before retrying a read (doubles each time, with jitter). */
  retryBaseMs: number;
}

type Env = Record<string, string | undefined>;

/** The config file once read, and where each setting came from. */
interface Settings {
  env: Env;
  cwd: string;
  file: ConfigFile | null;
  sources: Record<string, string>;
  /** A key of the config file ("gitlab.url"), or undefined when it is not there. */
  f: (path: string) => Raw | undefined;
  /** Remember where a setting came from; returns it. */
  note: (key: string, raw: Raw | undefined, fallback?: string) => Raw | undefined;
}

async function openSettings(flags: RecordConfigFlags, env: Env, cwd: string): Promise<Settings> {
  const file = await loadConfigFile(flags.config, env, cwd);
  const sources: Record<string, string> = {};
  return {
    env,
    cwd,
    file,
    sources,
    f: (path) => fromFile(file, path),
    note: (key, raw, fallback = 'default') => {
      sources[key] = raw ? `${raw.source} ${raw.name}` : fallback;
      return raw;
    },
  };
}

/** The state folder, the stuck thresholds and the read mode: no GitLab, no token is read. */
export async function loadRecordConfig(flags: RecordConfigFlags, env: Env, { cwd }: { cwd: string }): Promise<RecordConfig> {
  return recordConfig(await openSettings(flags, env, cwd), flags);
}

function recordConfig(settings: Settings, flags: RecordConfigFlags): RecordConfig {
  const { env, cwd, file, sources, f, note } = settings;
  const stateRaw = note('state_dir', first(fromFlag(flags.stateDir, '--state-dir'), fromEnv(env, 'HEALER_STATE_DIR'), f('state_dir')));
  const stuckRaw = note(
    'stuck_threshold',
    first(
      fromFlag(flags.stuckThreshold, '--stuck-threshold'),
      fromFlag(flags.stuckAfter, '--stuck-after'),
      fromEnv(env, 'HEALER_STUCK_THRESHOLD'),
      fromEnv(env, 'STUCK_THRESHOLD_MINUTES'),
      f('stuck_threshold'),
    ),
  );
  const readRaw = note('read_mode', first(fromEnv(env, 'HEALER_SCAN_READ')));
  return {
    stateDir: stateRaw ? resolve(stateRaw.source === 'file' ? file!.dir : cwd, String(stateRaw.value)) : DEFAULT_STATE_DIR,
    configFile: file?.path ?? null,
    stuckThresholdMs: stuckRaw ? asDuration(stuckRaw, { min: 1000 }) : DEFAULT_POLICY.stuckThresholdMs,
    stageThresholdsMs: stageThresholds(settings, flags.stageThreshold ?? []),
    readMode: readRaw ? asChoice(readRaw, ['auto', 'sync', 'async'] as const) : 'auto',
    sources,
  };
}

export async function loadConfig(flags: ConfigFlags, env: Env, { cwd, redactor }: { cwd: string; redactor: Redactor }): Promise<HealerConfig> {
  // Registered before anything can fail and print: the values are only known to be secrets here.
  redactor.add(env.GITLAB_TOKEN);
  redactor.add(env.GITLAB_TRIGGER_TOKEN);
  const settings = await openSettings(flags, env, cwd);
  const { file, sources, f, note } = settings;
  const records = recordConfig(settings, flags);

  const urlRaw = note(
    'gitlab_url',
    first(fromFlag(flags.gitlabUrl, '--gitlab-url'), fromEnv(env, 'GITLAB_URL'), f('gitlab.url'), fromEnv(env, 'CI_SERVER_URL')),
  );
  const gitlabUrl = normalizeServerUrl(String(urlRaw?.value ?? 'https://gitlab.com'));
  if (gitlabUrl === null) {
    const name = urlRaw?.name ?? 'GITLAB_URL';
    const value = String(urlRaw?.value ?? '');
    // A URL with user:password@ holds a secret: never echo it.
    if (value.includes('@')) throw configError(`${name} must not contain credentials (user:password@)`, 'put the token in GITLAB_TOKEN or GITLAB_TOKEN_FILE');
    throw configError(`${name}=${JSON.stringify(value)} is not an http(s) URL of a GitLab server`, 'e.g. GITLAB_URL=https://gitlab.example.com');
  }

  const tokens = { env, file, cwd, redactor, sources };
  const apiToken = await token(tokens, 'GITLAB_TOKEN', 'GITLAB_TOKEN_FILE', 'gitlab.token_file', 'api_token');
  const triggerToken = await token(tokens, 'GITLAB_TRIGGER_TOKEN', 'GITLAB_TRIGGER_TOKEN_FILE', 'gitlab.trigger_token_file', 'trigger_token');

  const projectRaw = note('project_id', first(fromEnv(env, 'GITLAB_PROJECT_ID'), f('gitlab.project_id')));
  const refRaw = note('ref', first(fromEnv(env, 'GITLAB_REF'), f('gitlab.ref')));

  const ageRaw = note(
    'max_pipeline_age',
    first(fromFlag(flags.maxAge, '--max-age'), fromEnv(env, 'HEALER_MAX_PIPELINE_AGE'), fromEnv(env, 'MAX_PIPELINE_AGE_MINUTES'), f('max_pipeline_age')),
  );
  const retriesRaw = note('max_retries', first(fromFlag(flags.maxRetries, '--max-retries'), fromEnv(env, 'MAX_RETRY_COUNT'), f('max_retries')));
  const reasonsRaw = note('infra_failure_reasons', first(fromEnv(env, 'HEALER_INFRA_FAILURE_REASONS'), f('infra_failure_reasons')));
  const supersededRaw = note('superseded_check', first(fromEnv(env, 'HEALER_SUPERSEDED_CHECK'), f('superseded_check')));
  const requestRaw = note('request_timeout', first(fromEnv(env, 'HEALER_REQUEST_TIMEOUT'), f('gitlab.request_timeout')));
  const scanRaw = note('scan_timeout', first(fromEnv(env, 'HEALER_SCAN_TIMEOUT'), f('scan_timeout')));
  const intentRaw = note('intent_timeout', first(fromEnv(env, 'HEALER_INTENT_TIMEOUT'), f('intent_timeout')));
  const cancelWaitRaw = note('cancel_wait', first(fromEnv(env, 'HEALER_CANCEL_WAIT'), f('cancel_wait')));
  const concurrencyRaw = note('concurrency', first(fromEnv(env, 'HEALER_CONCURRENCY'), f('gitlab.concurrency')));
  const viaRaw = note('resume_via', first(fromEnv(env, 'HEALER_RESUME_VIA'), f('gitlab.resume_via')));
  const retryRaw = note('retry_base', first(fromEnv(env, 'HEALER_RETRY_BASE')));

  const config: HealerConfig = {
    ...records,
    gitlabUrl,
    apiToken,
    triggerToken,
    fallbackProject: projectRaw ? String(projectRaw.value).trim() : null,
    fallbackRef: refRaw ? String(refRaw.value).trim() : null,
    maxRetries: retriesRaw ? asInteger(retriesRaw, 0, 100) : DEFAULT_POLICY.maxRetries,
    maxAgeMs: ageRaw ? asDuration(ageRaw, { min: 1000 }) : DEFAULT_POLICY.maxAgeMs,
    infraFailureReasons: reasonsRaw ? asList(reasonsRaw) : [...DEFAULT_POLICY.infraFailureReasons],
    supersededCheck: supersededRaw ? asBoolean(supersededRaw) : DEFAULT_POLICY.supersededCheck,
    requestTimeoutMs: requestRaw ? asDuration(requestRaw, { min: 100 }) : 30_000,
    scanTimeoutMs: scanRaw ? asDuration(scanRaw, { min: 1000 }) : 5 * 60_000,
    intentTimeoutMs: intentRaw ? asDuration(intentRaw, { min: 1000 }) : DEFAULT_POLICY.intentTimeoutMs,
    cancelWaitMs: cancelWaitRaw ? asDuration(cancelWaitRaw, { min: 0 }) : 30_000,
    concurrency: concurrencyRaw ? asInteger(concurrencyRaw, 1, 64) : 8,
    resumeVia: viaRaw ? asChoice(viaRaw, ['auto', 'create', 'trigger'] as const) : 'auto',
    retryBaseMs: retryRaw ? asDuration(retryRaw, { min: 1 }) : 500,
  };
  if (config.intentTimeoutMs < 2 * config.requestTimeoutMs + config.cancelWaitMs) {
    throw configError(
      `the intent timeout (${sources.intent_timeout}) must be at least twice the request timeout (${sources.request_timeout}) plus the cancel wait (${sources.cancel_wait})`,
      'a healer still waiting for GitLab must not see its own intent taken over',
    );
  }
  if (config.fallbackProject !== null && !/^(\d{1,12}|[\w.-]+(\/[\w.-]+)+)$/.test(config.fallbackProject)) {
    throw configError(`${projectRaw!.name}=${JSON.stringify(config.fallbackProject)} is neither a project id nor a group/project path`);
  }
  return config;
}

/** The resume decision's policy from the configuration. */
export function policyOf(config: HealerConfig): Policy {
  return {
    stuckThresholdMs: config.stuckThresholdMs,
    stageThresholdsMs: config.stageThresholdsMs,
    maxRetries: config.maxRetries,
    maxAgeMs: config.maxAgeMs,
    infraFailureReasons: config.infraFailureReasons,
    supersededCheck: config.supersededCheck,
    intentTimeoutMs: config.intentTimeoutMs,
    gitlabUrl: config.gitlabUrl,
    fallbackProject: config.fallbackProject,
    fallbackRef: config.fallbackRef,
    capabilities: { api: config.apiToken !== null, resumeVia: resumeViaOf(config) },
  };
}

export function resumeViaOf(config: HealerConfig): 'create' | 'trigger' | null {
  if (config.resumeVia === 'create') return config.apiToken ? 'create' : null;
  if (config.resumeVia === 'trigger') return config.triggerToken ? 'trigger' : null;
  return config.apiToken ? 'create' : config.triggerToken ? 'trigger' : null;
}

function fromFile(file: ConfigFile | null, path: string): Raw | undefined {
  if (!file) return undefined;
  let value: unknown = file.data;
  for (const key of path.split('.')) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  return value === undefined ? undefined : { source: 'file' as Source, name: `${file.path}: ${path}`, value };
}

/** Per stage: flags override the environment, which overrides the file. */
function stageThresholds({ env, file, sources }: Settings, flagValues: string[]): Record<string, number> {
  const raws = [fromFile(file, 'stage_thresholds'), fromEnv(env, 'HEALER_STAGE_THRESHOLDS'), ...flagValues.map((value) => fromFlag(value, '--stage-threshold'))]
    .filter((raw): raw is Raw => raw !== undefined);
  sources.stage_thresholds = [...new Set(raws.map((raw) => (raw.source === 'file' ? 'file' : `${raw.source} ${raw.name}`)))].join(' + ') || 'default';
  return Object.assign(Object.create(null) as Record<string, number>, ...raws.map(asStageThresholds));
}

/** A token from its variable or its file (never both); registered with the redactor before anything else. */
interface TokenContext {
  env: Env;
  file: ConfigFile | null;
  cwd: string;
  redactor: Redactor;
  sources: Record<string, string>;
}

async function token(
  { env, file, cwd, redactor, sources }: TokenContext,
  variable: string,
  fileVariable: string,
  fileKey: string,
  key: string,
): Promise<string | null> {
  const direct = env[variable];
  redactor.add(direct);
  const fileRaw = first(fromEnv(env, fileVariable), fromFile(file, fileKey));
  if (direct && fileRaw) throw configError(`both ${variable} and ${fileRaw.name} are set`, `keep one of them`);
  if (direct) {
    sources[key] = `env ${variable}`;
    return direct.trim();
  }
  if (!fileRaw) {
    sources[key] = 'not set';
    return null;
  }
  const path = resolve(fileRaw.source === 'file' ? file!.dir : cwd, String(fileRaw.value));
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw configError(`cannot read the token file ${path} named by ${fileRaw.name} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  redactor.add(text);
  const value = text.trim();
  redactor.add(value);
  if (value === '') throw configError(`the token file ${path} named by ${fileRaw.name} is empty`);
  sources[key] = `file ${path}`;
  return value;
}

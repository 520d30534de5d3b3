/**
 * The options of `healer stage`, declared once. The commander wiring (src/wiring/stage.ts) and the fast path that
 * runs in every CI job (src/fast/stage-main.ts, which must not load commander) are both built from this list, so
 * they accept exactly the same command line.
 */
export interface OptionSpec {
  /** commander flags syntax: '--job <name>' takes a value, '--strict' does not, '--no-color' negates `color`. */
  flags: string;
  description: string;
}

export const STAGE_ARGUMENTS = [
  { name: '[stage]', description: 'stage name (default: CI_JOB_STAGE)' },
  { name: '[status]', description: 'in_progress | done | failed | skipped | canceled' },
] as const;

export const STAGE_OPTIONS: readonly OptionSpec[] = [
  { flags: '--from-job-status', description: 'take the status from CI_JOB_STATUS (for after_script): success→done, failed, canceled' },
  { flags: '--job <name>', description: 'job name (default: CI_JOB_NAME)' },
  { flags: '--pipeline-id <id>', description: 'pipeline id (default: CI_PIPELINE_ID)' },
  { flags: '--state-dir <dir>', description: 'state folder (default: HEALER_STATE_DIR, else /mnt/ci-state/pipelines)' },
  { flags: '--strict', description: 'fail (exit 3) when progress cannot be recorded, instead of a warning (HEALER_STRICT=1)' },
  { flags: '--json', description: 'print one JSON document on stdout instead of text' },
  { flags: '--verbose', description: 'print diagnostics and stack traces on stderr (secrets stay redacted)' },
  { flags: '--no-color', description: 'disable colours (NO_COLOR=1 does the same)' },
];

/** '--pipeline-id <id>' → { long: 'pipeline-id', key: 'pipelineId', takesValue: true, negate: false } */
export function describeOption(spec: OptionSpec): { long: string; key: string; takesValue: boolean; negate: boolean } {
  const [flag = '', value] = spec.flags.split(' ');
  const long = flag.replace(/^--/, '');
  const negate = long.startsWith('no-');
  const base = negate ? long.slice(3) : long;
  const key = base.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
  return { long, key, takesValue: value !== undefined, negate };
}

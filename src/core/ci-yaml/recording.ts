/**
 * The commands init adds to jobs so they restore what a resume skipped and record their progress. ONE place builds
 * them: every caller (insertion, detection, the prefix rewrite, the include instructions) follows this list.
 */

export const DEFAULT_COMMAND = 'npx --yes healer';

export interface RecordingLine {
  /** What the line is for (stable, used in plans and JSON). */
  kind: string;
  text: string;
  /** Recognises the line whatever command prefix wrote it. */
  matches(line: string): boolean;
}

/** `[ -z "$RESUME_STAGE" ] ||` or `test -z "$RESUME_STAGE" ||`, braces allowed. */
const RESUME_GUARD = /^(?:\[\s+-z\s+"\$(?:RESUME_STAGE|\{RESUME_STAGE\})"\s+\]|test\s+-z\s+"\$(?:RESUME_STAGE|\{RESUME_STAGE\})")\s*\|\|\s*/;

/**
 * The prefix of a restore line: after the guard any prefix is healer's (the guard names healer's variable); an
 * unguarded `… restore` counts only when its last word is healer (`dotnet restore` and `git restore` are not ours).
 */
function restoreCommand(text: string): string | null {
  const m = /^(.+?)\s+restore$/.exec(text.replace(RESUME_GUARD, ''));
  if (!m) return null;
  const command = m[1]!;
  if (RESUME_GUARD.test(text)) return command;
  return /(^|[\s/])healer(\.js|@\S+)?$/.test(command) ? command : null;
}

const STAGE_MARKER = /\sstage\s+("\$CI_JOB_STAGE"|\$CI_JOB_STAGE|"\$\{CI_JOB_STAGE\}")\s+in_progress$/;
const END_MARKER = /\sstage\s+--from-job-status(\s*\|\|\s*true)?$/;

/**
 * Lines at the start of every job (before_script), in order.
 * - restore first, so the job's own lines already see the skipped stages' artifacts. The guard keeps normal pipelines
 *   free of it (no npx start, no network): `[ -z "" ]` succeeds, so the line exits 0 without running healer. In a
 *   resumed pipeline a failing restore fails the job, which would fail anyway without its inputs.
 * - then the stage line, which marks the job in progress.
 */
export function jobStartLines(command: string): RecordingLine[] {
  return [
    {
      kind: 'restore',
      text: `[ -z "$RESUME_STAGE" ] || ${command} restore`,
      matches: (line) => restoreCommand(line.trim()) !== null,
    },
    {
      kind: 'stage-in-progress',
      text: `${command} stage "$CI_JOB_STAGE" in_progress`,
      matches: (line) => STAGE_MARKER.test(line.trim()),
    },
  ];
}

/**
 * Lines at the end of every job (after_script), in order. after_script stops at its first failing command, so the
 * line runs first and cannot fail (`|| true`): the user's cleanup still runs if npx is unreachable. A failing
 * after_script never changes the job's status, so nothing is lost by ignoring the exit code here.
 */
export function jobEndLines(command: string): RecordingLine[] {
  return [
    {
      kind: 'stage-from-job-status',
      text: `${command} stage --from-job-status || true`,
      matches: (line) => END_MARKER.test(line.trim()),
    },
  ];
}

/** The prefix of a recognised line (to tell whether it was written with another --command). */
export function commandOf(line: string, kind: string): string | null {
  const text = line.trim();
  if (kind === 'restore') return restoreCommand(text);
  const marker = kind === 'stage-in-progress' ? /\sstage\s+\S+\s+in_progress$/ : END_MARKER;
  const m = marker.exec(text);
  return m ? text.slice(0, m.index) : null;
}

/** Which of `expected` are missing from a (flattened) script list. */
export function missingLines(expected: readonly RecordingLine[], present: readonly string[]): RecordingLine[] {
  return expected.filter((line) => !present.some((p) => line.matches(p)));
}

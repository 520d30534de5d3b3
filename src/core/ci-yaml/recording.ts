/**
 * The commands init adds to jobs so they record their progress. ONE place builds them: a later version will add
 * `healer restore` as the first line of a job, and every caller (insertion, detection, the include instructions)
 * must then follow without change.
 */

export const DEFAULT_COMMAND = 'npx --yes healer';

export interface RecordingLine {
  /** What the line is for (stable, used in plans and JSON). */
  kind: string;
  text: string;
  /** Recognises the line whatever command prefix wrote it. */
  matches(line: string): boolean;
}

function matcher(suffix: RegExp): (line: string) => boolean {
  return (line) => suffix.test(line.trim());
}

/** Lines at the start of every job (before_script), in order. */
export function jobStartLines(command: string): RecordingLine[] {
  return [
    {
      kind: 'stage-in-progress',
      text: `${command} stage "$CI_JOB_STAGE" in_progress`,
      matches: matcher(/\sstage\s+("\$CI_JOB_STAGE"|\$CI_JOB_STAGE|"\$\{CI_JOB_STAGE\}")\s+in_progress$/),
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
      matches: matcher(/\sstage\s+--from-job-status(\s*\|\|\s*true)?$/),
    },
  ];
}

/** The prefix of a recognised line (to tell whether it was written with another --command). */
export function commandOf(line: string, kind: string): string | null {
  const text = line.trim();
  const marker = kind === 'stage-in-progress' ? /\sstage\s+\S+\s+in_progress$/ : /\sstage\s+--from-job-status(\s*\|\|\s*true)?$/;
  const m = marker.exec(text);
  return m ? text.slice(0, m.index) : null;
}

/** Which of `expected` are missing from a (flattened) script list. */
export function missingLines(expected: readonly RecordingLine[], present: readonly string[]): RecordingLine[] {
  return expected.filter((line) => !present.some((p) => line.matches(p)));
}

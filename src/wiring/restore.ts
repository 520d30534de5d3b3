import type { Command } from 'commander';
import { runAction, withCommonFlags } from './common.js';

export function registerRestore(program: Command): void {
  const command = program
    .command('restore')
    .summary('in a resumed pipeline, fetch the artifacts of the skipped stages (first line of every job)')
    .description(
      'In a pipeline resumed at RESUME_STAGE, download the artifacts of the jobs of\n' +
        "the skipped stages from the lineage's earlier pipelines (each job's latest\n" +
        'successful run; only the needs in HEALER_NEEDS when set) and unpack them\n' +
        'safely into the project folder. Does nothing, quickly, in other pipelines.',
    )
    .option('--dir <dir>', 'project folder to unpack into (default: CI_PROJECT_DIR)')
    .option('--state-dir <dir>', 'state folder (default: HEALER_STATE_DIR, else /mnt/ci-state/pipelines)')
    .option('--dry-run', 'print what would be downloaded; download and write nothing')
    .option('--strict', 'fail (exit 1) when artifacts cannot be found, instead of a warning (HEALER_STRICT=1)')
    .option('--max-size <size>', 'most bytes unpacked in total, e.g. 4g (HEALER_RESTORE_MAX_SIZE; default 4g)')
    .option('--max-file-size <size>', 'most bytes of one unpacked file (HEALER_RESTORE_MAX_FILE_SIZE; default 1g)')
    .option('--max-files <n>', 'most entries unpacked in total (HEALER_RESTORE_MAX_FILES; default 100000)')
    .option('--max-download <size>', 'most bytes of one downloaded archive (HEALER_RESTORE_MAX_DOWNLOAD; default 1g)')
    .option('--timeout <duration>', 'time allowed for one download, e.g. 10m (HEALER_RESTORE_TIMEOUT; default 10m)');
  withCommonFlags(command).addHelpText(
    'after',
    `
Example (healer init adds it as the first line of every job):
  before_script:
    - npx --yes healer restore

Environment: RESUME_STAGE, HEALER_PARENT_PIPELINE_ID, HEALER_ROOT_PIPELINE_ID, HEALER_STAGES, HEALER_NEEDS
('["build-linux"]'; unset = every job of the earlier stages), CI_JOB_STAGE, CI_PROJECT_DIR, CI_PROJECT_ID,
CI_API_V4_URL or GITLAB_URL, and a token: GITLAB_TOKEN / GITLAB_TOKEN_FILE (sent as PRIVATE-TOKEN), else CI_JOB_TOKEN.
Exit codes: 0 restored or nothing to do (missing artifacts are warnings unless --strict), 1 a download or an archive
was refused or failed (nothing is written), 2 bad input.`,
  );
  command.action(async (flags) => {
    await runAction(flags, async (out) => {
      const { runRestore } = await import('../commands/restore.js');
      return runRestore(flags, { env: process.env, out, now: Date.now });
    });
  });
}

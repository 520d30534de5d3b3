import type { Command } from 'commander';
import { runAction } from './common.js';
import { STAGE_ARGUMENTS, STAGE_OPTIONS } from './stage-options.js';

export const STAGE_HELP_AFTER = `
Examples:
  before_script:  npx --yes healer stage "$CI_JOB_STAGE" in_progress
  after_script:   npx --yes healer stage --from-job-status

Without --strict a missing state folder or a lock not obtained in time prints one warning and exits 0,
so healer never breaks a pipeline by accident. Bad input always exits 2 and changes nothing on disk.
Environment: HEALER_STATE_DIR, HEALER_STRICT, HEALER_LOCK_STALE_MS (15000), HEALER_LOCK_TIMEOUT_MS (30000).`;

export function registerStage(program: Command): void {
  const command = program
    .command('stage')
    .summary('record the progress of the current job (run inside GitLab CI jobs)')
    .description(
      "Record the status of the current job in the pipeline's progress record,\n" +
        '$HEALER_STATE_DIR/<CI_PIPELINE_ID>/.ci-progress.json, under a lock with an atomic write.\n' +
        'Statuses: in_progress, done, failed, skipped, canceled.',
    );
  for (const arg of STAGE_ARGUMENTS) command.argument(arg.name, arg.description);
  for (const option of STAGE_OPTIONS) command.option(option.flags, option.description);
  command.addHelpText('after', STAGE_HELP_AFTER);
  command.action(async (stage: string | undefined, status: string | undefined, flags) => {
    await runAction(flags, async (out) => {
      const { runStage } = await import('../commands/stage.js');
      return runStage({ ...flags, stage, status }, { env: process.env, out, now: Date.now });
    });
  });
}

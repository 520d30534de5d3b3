import type { Command } from 'commander';
import { runAction, withCommonFlags } from './common.js';

export function registerStage(program: Command): void {
  const command = program
    .command('stage')
    .summary('record the progress of the current job (run inside GitLab CI jobs)')
    .description(
      'Record the status of the current job in the pipeline\'s progress record,\n' +
        '$HEALER_STATE_DIR/<CI_PIPELINE_ID>/.ci-progress.json, under a lock with an atomic write.\n' +
        'Statuses: in_progress, done, failed, skipped, canceled.',
    )
    .argument('[stage]', 'stage name (default: CI_JOB_STAGE)')
    .argument('[status]', 'in_progress | done | failed | skipped | canceled')
    .option('--from-job-status', 'take the status from CI_JOB_STATUS (for after_script): success→done, failed, canceled')
    .option('--job <name>', 'job name (default: CI_JOB_NAME)')
    .option('--pipeline-id <id>', 'pipeline id (default: CI_PIPELINE_ID)')
    .option('--state-dir <dir>', 'state folder (default: HEALER_STATE_DIR, else /mnt/ci-state/pipelines)')
    .option('--strict', 'fail (exit 3) when progress cannot be recorded, instead of a warning (HEALER_STRICT=1)');
  withCommonFlags(command).addHelpText(
    'after',
    `
Examples:
  before_script:  npx --yes healer stage "$CI_JOB_STAGE" in_progress
  after_script:   npx --yes healer stage --from-job-status

Without --strict a missing state folder or a lock not obtained in time prints one warning and exits 0,
so healer never breaks a pipeline by accident. Bad input always exits 2 and changes nothing on disk.
Environment: HEALER_STATE_DIR, HEALER_STRICT, HEALER_LOCK_STALE_MS (15000), HEALER_LOCK_TIMEOUT_MS (30000).`,
  );
  command.action(async (stage: string | undefined, status: string | undefined, flags) => {
    await runAction(flags, async (out) => {
      const { runStage } = await import('../commands/stage.js');
      return runStage({ ...flags, stage, status }, { env: process.env, out, now: Date.now });
    });
  });
}

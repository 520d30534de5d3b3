import type { Command } from 'commander';
import { runAction, withCommonFlags } from './common.js';

export function registerRun(program: Command): void {
  const command = program
    .command('run')
    .summary('run a job command with a heartbeat, and record its outcome')
    .description(
      'Record the job in_progress, run the command, refresh the job\'s heartbeat every N seconds while it runs,\n' +
        'then record done (exit 0), failed, or canceled (SIGTERM/SIGINT). Signals are forwarded to the command;\n' +
        'healer exits with the command\'s exit code.',
    )
    .argument('<stage>', 'stage name, e.g. "$CI_JOB_STAGE"')
    .argument('<command...>', 'the command and its arguments (put them after --)')
    .option('--heartbeat <seconds>', 'seconds between heartbeats (default: HEALER_HEARTBEAT_SECONDS, else 30)')
    .option('--job <name>', 'job name (default: CI_JOB_NAME)')
    .option('--pipeline-id <id>', 'pipeline id (default: CI_PIPELINE_ID)')
    .option('--state-dir <dir>', 'state folder (default: HEALER_STATE_DIR, else /mnt/ci-state/pipelines)')
    .option('--strict', 'do not run the command when progress cannot be recorded; exit 3 (HEALER_STRICT=1)');
  withCommonFlags(command, { json: false }).addHelpText(
    'after',
    `
Example:
  script:
    - npx --yes healer run "$CI_JOB_STAGE" -- ./deploy.sh --env production`,
  );
  command.action(async (stage: string, commandArgs: string[], flags) => {
    await runAction(flags, async (out) => {
      const { runWithHeartbeat } = await import('../commands/run.js');
      return runWithHeartbeat({ ...flags, stage, command: commandArgs }, { env: process.env, out, now: Date.now });
    });
  });
}

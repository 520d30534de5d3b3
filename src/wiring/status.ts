import type { Command } from 'commander';
import { runAction, withCommonFlags } from './common.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerStatus(program: Command): void {
  const command = program
    .command('status')
    .summary('show the progress records: stages, stuck jobs, lineage, resumes')
    .description(
      'List the records of the state folder as the watchdog sees them: pipeline,\n' +
        "ref, age, lineage and attempt, each stage's state, the stuck job if any, and\n" +
        'the resumes done. Broken records are listed with the reason.',
    )
    .option('--pipeline <id>', 'show one record, with its jobs')
    .option('--state-dir <dir>', 'state folder (default: HEALER_STATE_DIR, else the config file, else /mnt/ci-state/pipelines)')
    .option('--config <file>', 'config file, as for scan (default: HEALER_CONFIG, else ./healer.config.json when present)')
    .option('--stuck-after <duration>', "a job silent this long is stuck, e.g. 10m (default: scan's stuck threshold, 10m)")
    .option('--stage-threshold <stage=duration>', 'per-stage threshold, e.g. deploy=30m (repeatable; over HEALER_STAGE_THRESHOLDS and the file)', collect);
  withCommonFlags(command).addHelpText(
    'after',
    `
Examples:
  healer status
  healer status --pipeline 41928
  healer status --json | jq '.records[] | select(.state == "stuck")'

Settings: the state folder and stuck thresholds come from the same configuration as healer scan (flags >
HEALER_STATE_DIR, HEALER_STUCK_THRESHOLD / STUCK_THRESHOLD_MINUTES, HEALER_STAGE_THRESHOLDS > config file >
defaults); no GitLab token is needed or read.
Exit codes: 0 listed (broken records are listed too), 1 the record asked for is missing or broken, 2 bad input,
3 the state folder cannot be read.`,
  );
  command.action(async (flags) => {
    await runAction(flags, async (out) => {
      const { runStatus } = await import('../commands/status.js');
      return runStatus(flags, { env: process.env, out, now: Date.now, cwd: process.cwd() });
    });
  });
}

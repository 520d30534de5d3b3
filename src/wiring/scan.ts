import type { Command } from 'commander';
import { runAction, withCommonFlags } from './common.js';

export function registerScan(program: Command): void {
  const command = program
    .command('scan')
    .summary('find stuck or runner-failed pipelines and resume them (the watchdog; run from cron)')
    .description(
      'Read every progress record of the state folder, ask GitLab about the candidates only, and resume the ' +
        'pipelines that are stuck (a job without a heartbeat for longer than its stage threshold) or failed for an ' +
        'infrastructure cause: cancel the pipeline, then create or trigger a new one on the record\'s ref with ' +
        'RESUME_STAGE and the lineage variables. Two scans at once never resume the same pipeline twice.',
    )
    .option('--dry-run', 'print the exact plan; write nothing (no file, no API write)')
    .option('--state-dir <dir>', 'state folder (default: HEALER_STATE_DIR, else /mnt/ci-state/pipelines)')
    .option('--config <file>', 'config file (default: HEALER_CONFIG, else ./healer.config.json when present)')
    .option('--gitlab-url <url>', 'GitLab server (default: GITLAB_URL, else CI_SERVER_URL, else https://gitlab.com)')
    .option('--stuck-threshold <duration>', 'heartbeat age that makes a job stuck, e.g. 10m, 90s (default 10m)')
    .option('--max-age <duration>', 'never resume a lineage older than this (default 60m)')
    .option('--max-retries <n>', 'resumes allowed over a whole lineage (default 2)');
  withCommonFlags(command).addHelpText(
    'after',
    `
Output: a table on a terminal; one line per action or problem with a UTC timestamp otherwise (cron); --json one
document (actions, skipped records with reasons, errors). Exit codes: 0 all went well, 1 an action or record
failed, 2 usage or configuration error.
Environment: GITLAB_URL, GITLAB_TOKEN(_FILE), GITLAB_TRIGGER_TOKEN(_FILE), GITLAB_PROJECT_ID, GITLAB_REF,
STUCK_THRESHOLD_MINUTES, MAX_RETRY_COUNT, MAX_PIPELINE_AGE_MINUTES, HEALER_STATE_DIR, HEALER_* (see README).`,
  );
  command.action(async (flags) => {
    await runAction(flags, async (out) => {
      const [{ runScanCommand }, { redactor }] = await Promise.all([import('../commands/scan.js'), import('../redact.js')]);
      return runScanCommand(flags, { env: process.env, out, now: Date.now, cwd: process.cwd(), redactor });
    });
  });
}

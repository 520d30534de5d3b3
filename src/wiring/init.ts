import type { Command } from 'commander';
import { runAction, withCommonFlags } from './common.js';

export function registerInit(program: Command): void {
  const command = program
    .command('init')
    .summary('make .gitlab-ci.yml resumable and self-recording, or write watchdog scaffolds')
    .description(
      'Edit .gitlab-ci.yml so that every job records its progress (healer stage) and a pipeline started with\n' +
        'RESUME_STAGE=S runs stage S and the stages after it, while pipelines without RESUME_STAGE behave exactly\n' +
        'as before. Only what must change is changed; comments, anchors and formatting stay. Running it again\n' +
        'changes nothing. With --cron or --kubernetes it writes the watchdog files (healer scan) instead.',
    )
    .option('--file <path>', 'the CI file to edit (default: .gitlab-ci.yml)')
    .option('--dry-run', 'print the changes as a unified diff; write nothing')
    .option('--check', 'write nothing; exit 1 when the file needs changes, 0 when it is up to date (for a lint job)')
    .option('--command <prefix>', 'how jobs run healer (default: "npx --yes healer")')
    .option('--workflow-rules <present|absent>', 'say whether included files define workflow:rules when healer cannot see it')
    .option('--cron', 'write a crontab entry and a systemd service + timer for the watchdog')
    .option('--kubernetes', 'write a Kubernetes CronJob for the watchdog')
    .option('--out-dir <dir>', 'folder for --cron/--kubernetes files (default: current folder)')
    .option('--force', 'overwrite existing --cron/--kubernetes files')
    .option('--every <minutes>', 'watchdog interval in minutes, 1-59 (default: 5)')
    .option('--state-dir <dir>', 'state folder the watchdog reads (default: /mnt/ci-state/pipelines)')
    .option('--gitlab-url <url>', 'GitLab URL for the watchdog (default: https://gitlab.com)')
    .option('--namespace <name>', 'Kubernetes namespace (default: healer)');
  withCommonFlags(command).addHelpText(
    'after',
    `
Examples:
  npx healer init --dry-run            show what would change
  npx healer init                      edit .gitlab-ci.yml
  npx healer init --check              in a lint job: fail when the file is not (or no longer) resumable
  npx healer init --kubernetes --out-dir deploy/healer

Exit codes: 0 done (or up to date), 1 --check found changes to make or a file could not be written,
2 bad input (invalid YAML, not a mapping, unknown stage, existing scaffold without --force): nothing written.`,
  );
  command.action(async (flags) => {
    await runAction(flags, async (out) => {
      const { runInit } = await import('../commands/init.js');
      return runInit(flags, { out, cwd: process.cwd() });
    });
  });
}

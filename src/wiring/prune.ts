import type { Command } from 'commander';
import { runAction, withCommonFlags } from './common.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerPrune(program: Command): void {
  const command = program
    .command('prune')
    .summary('delete finished records (whole lineages) older than a given age')
    .description(
      'Delete the pipeline folders whose whole lineage is finished and older than\n' +
        "--older-than, judged from the records' timestamps. Never a record whose lock\n" +
        'is held, never a lineage with a live pipeline.',
    )
    .requiredOption('--older-than <duration>', 'age of the last update, e.g. 7d, 12h, 30m')
    .option('--dry-run', 'print what would be removed; remove nothing')
    .option('--abandoned-after <duration>', 'records still in_progress but silent go only after this long too (default 24h)')
    .option('--remove-broken', 'also remove broken records whose file is older than --older-than')
    .option('--state-dir <dir>', 'state folder (default: HEALER_STATE_DIR, else the config file, else /mnt/ci-state/pipelines)')
    .option('--config <file>', 'config file, as for scan (default: HEALER_CONFIG, else ./healer.config.json when present)')
    .option('--stuck-after <duration>', "a job silent this long is no longer live (default: scan's stuck threshold, 10m)")
    .option('--stage-threshold <stage=duration>', 'per-stage threshold, e.g. deploy=30m (repeatable; over HEALER_STAGE_THRESHOLDS and the file)', collect);
  withCommonFlags(command).addHelpText(
    'after',
    `
Examples:
  healer prune --older-than 7d --dry-run
  healer prune --older-than 14d --json

Settings: the state folder and stuck thresholds come from the same configuration as healer scan (flags >
HEALER_STATE_DIR, HEALER_STUCK_THRESHOLD / STUCK_THRESHOLD_MINUTES, HEALER_STAGE_THRESHOLDS > config file >
defaults); no GitLab token is needed or read.
Exit codes: 0 done (locked or live lineages are kept and reported), 1 a removal failed, 2 bad input,
3 the state folder cannot be read.`,
  );
  command.action(async (flags) => {
    await runAction(flags, async (out) => {
      const { runPrune } = await import('../commands/prune.js');
      return runPrune(flags, { env: process.env, out, now: Date.now, cwd: process.cwd() });
    });
  });
}

import type { Command } from 'commander';
import { usageError } from '../errors.js';
import { runAction, withCommonFlags } from './common.js';

export function registerDemo(program: Command): void {
  const command = program
    .command('demo')
    .summary('watch a pipeline break and heal, on an embedded simulator (no GitLab, no network)')
    .description(
      'Start a simulated GitLab on 127.0.0.1 and a simulated runner, run a build → test → deploy pipeline whose test\n' +
        'job hangs, let the real `healer scan` cancel it and resume it from `test`, and print the timeline.\n' +
        'Nothing to install or configure; everything happens in a temp folder that is removed at the end.',
    )
    .option('--threshold <seconds>', "the demo's stuck threshold in seconds (default 2; production default 10 minutes)");
  withCommonFlags(command).action(async (flags) => {
    await runAction(flags, async (out) => {
      let stuckSeconds: number | undefined;
      if (flags.threshold !== undefined) {
        stuckSeconds = Number(flags.threshold);
        if (!/^\d+$/.test(flags.threshold) || stuckSeconds < 1 || stuckSeconds > 600) {
          throw usageError(`--threshold ${JSON.stringify(flags.threshold)} is not a whole number of seconds from 1 to 600`);
        }
      }
      const { runDemo } = await import('../commands/demo.js');
      return runDemo({ stuckSeconds }, { out, now: Date.now });
    });
  });
}

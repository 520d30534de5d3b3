import type { Command } from 'commander';
import { runAction, withCommonFlags } from './common.js';

export function registerDemo(program: Command): void {
  const command = program
    .command('demo')
    .summary('show healer at work on an embedded example (no GitLab, no network)')
    .description('Run healer against an embedded, self-contained example in a temp folder, print what happens, clean up.');
  withCommonFlags(command).action(async (flags) => {
    await runAction(flags, async (out) => {
      const { runDemo } = await import('../commands/demo.js');
      return runDemo({}, { out, now: Date.now });
    });
  });
}

/**
 * Helpers shared by the command wiring: common flags, and running a lazily imported command with
 * uniform error reporting and exit codes. Command modules are imported only when their command runs.
 */
import { Chalk } from 'chalk';
import type { Command } from 'commander';
import { exitCodeOf, Output } from '../output.js';

export interface CommonFlags {
  json?: boolean;
  verbose?: boolean;
  color?: boolean;
}

/** --json, --verbose and --no-color, the same on every command. */
export function withCommonFlags(command: Command, { json = true }: { json?: boolean } = {}): Command {
  if (json) command.option('--json', 'print one JSON document on stdout instead of text');
  return command
    .option('--verbose', 'print diagnostics and stack traces on stderr (secrets stay redacted)')
    .option('--no-color', 'disable colours (NO_COLOR=1 does the same)');
}

export function outputFor(flags: CommonFlags): Output {
  return new Output({
    json: flags.json === true,
    verbose: flags.verbose === true,
    color: flags.color === false ? false : undefined,
    chalk: (level) => new Chalk({ level }),
  });
}

/**
 * Run a command body and turn its result or error into process.exitCode.
 * Never process.exit(): locks are released in `finally` blocks and must get the chance to run.
 */
export async function runAction(flags: CommonFlags, body: (out: Output) => Promise<number>): Promise<void> {
  const out = outputFor(flags);
  try {
    process.exitCode = await body(out);
  } catch (error) {
    out.error(error);
    process.exitCode = exitCodeOf(error);
  }
}

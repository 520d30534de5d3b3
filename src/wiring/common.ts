/**
 * Helpers shared by the command wiring: common flags, and running a lazily imported command with
 * uniform error reporting and exit codes. Command modules are imported only when their command runs.
 */
import type { ChalkInstance } from 'chalk';
import type { Command } from 'commander';
import { colorEnabled, exitCodeOf, Output } from '../output.js';

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

/** The command's Output; chalk is loaded only when colours will really be shown (never in CI logs or pipes). */
export async function outputFor(flags: CommonFlags): Promise<Output> {
  const color = flags.color === false ? false : undefined;
  let chalk: ((level: 1 | 2 | 3) => ChalkInstance) | undefined;
  if (colorEnabled(process.stdout, process.env, color)) {
    const { Chalk } = await import('chalk');
    chalk = (level) => new Chalk({ level });
  }
  return new Output({ json: flags.json === true, verbose: flags.verbose === true, color, chalk });
}

/**
 * Run a command body and turn its result or error into process.exitCode.
 * Never process.exit(): locks are released in `finally` blocks and must get the chance to run.
 */
export async function runAction(flags: CommonFlags, body: (out: Output) => Promise<number>): Promise<void> {
  const out = await outputFor(flags);
  try {
    process.exitCode = await body(out);
  } catch (error) {
    out.error(error);
    process.exitCode = exitCodeOf(error);
  }
}

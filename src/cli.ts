/**
 * commander wiring only. Each command's options live in src/wiring/<command>.ts; its implementation in
 * src/commands/ is imported only when that command runs, so `healer stage` never pays for the GitLab client,
 * the YAML parser or ajv.
 */
import { Command, CommanderError } from 'commander';
import { packageVersion } from './package-paths.js';
import { ExitCode } from './errors.js';
import { registerStage } from './wiring/stage.js';
import { registerRun } from './wiring/run.js';
import { registerDemo } from './wiring/demo.js';
import { registerScan } from './wiring/scan.js';
import { registerResume } from './wiring/resume.js';
import { registerInit } from './wiring/init.js';
import { registerRestore } from './wiring/restore.js';
import { registerStatus } from './wiring/status.js';
import { registerPrune } from './wiring/prune.js';

export function buildProgram(): Command {
  const program = new Command('healer');
  program
    .description('Self-healing GitLab CI/CD pipelines: record stage progress, find stuck pipelines, resume them.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      outputError: (text, write) => write(`healer: ${text.trim()}\n`),
    })
    .addHelpText(
      'after',
      `
Exit codes: 0 ok, 1 an action failed, 2 usage or bad input, 3 lock not obtained (--strict), 130 interrupted.
Environment: NO_COLOR disables colours. Documentation: README.md.`,
    );
  registerStage(program);
  registerRun(program);
  registerScan(program);
  registerResume(program);
  registerDemo(program);
  registerInit(program);
  registerRestore(program);
  registerStatus(program);
  registerPrune(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // help and version are "errors" under exitOverride; usage errors have already been printed.
      process.exitCode = error.exitCode === 0 ? 0 : ExitCode.usage;
      return;
    }
    throw error;
  }
}

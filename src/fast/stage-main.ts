/**
 * The fast path of `healer stage`, which runs in every CI job: bundled into one CommonJS file (dist/fast/stage.cjs)
 * and started by bin/healer.js without commander, chalk or the ESM loader's many small files. It accepts exactly
 * the options of src/wiring/stage-options.ts (shared with the commander wiring, which still serves --help) and
 * reports usage errors in commander's words. HEALER_NO_FAST_PATH=1 turns it off (for comparison and debugging).
 */
import { parseArgs } from 'node:util';
import { runStage, type StageOptions } from '../commands/stage.js';
import { exitCodeOf, Output } from '../output.js';
import { describeOption, STAGE_OPTIONS } from '../wiring/stage-options.js';

const SPECS = STAGE_OPTIONS.map(describeOption);

function usage(message: string): number {
  process.stderr.write(`healer: error: ${message}\n`);
  return 2;
}

export async function main(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv.slice(3),
      allowPositionals: true,
      strict: true,
      options: Object.fromEntries(SPECS.map((s) => [s.long, { type: s.takesValue ? ('string' as const) : ('boolean' as const) }])),
    });
  } catch (error) {
    const code = (error as { code?: string }).code;
    const text = (error as Error).message;
    const option = /'(-[^' ]+)/.exec(text)?.[1] ?? '';
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') process.exitCode = usage(`unknown option '${option}'`);
    else if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const spec = STAGE_OPTIONS.find((s) => s.flags.startsWith(`${option} `) || s.flags === option);
      process.exitCode = spec?.flags.includes(' ')
        ? usage(`option '${spec.flags}' argument missing`)
        : usage(`unknown option '${option}'`);
    } else process.exitCode = usage(text.split('\n')[0] ?? text);
    return;
  }
  if (parsed.positionals.length > 2) {
    process.exitCode = usage(`too many arguments for 'stage'. Expected 2 arguments but got ${parsed.positionals.length}.`);
    return;
  }
  const flags: Record<string, unknown> = {};
  for (const spec of SPECS) {
    const value = (parsed.values as Record<string, unknown>)[spec.long];
    if (value !== undefined) flags[spec.key] = spec.negate ? !value : value;
  }
  const out = new Output({ json: flags.json === true, verbose: flags.verbose === true, color: flags.color === false ? false : undefined });
  const [stage, status] = parsed.positionals;
  try {
    process.exitCode = await runStage({ ...(flags as StageOptions), stage, status }, { env: process.env, out, now: Date.now });
  } catch (error) {
    out.error(error);
    process.exitCode = exitCodeOf(error);
  }
}

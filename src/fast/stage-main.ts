/**
 * The fast path of `healer stage`, which runs in every CI job: bundled into one CommonJS file (dist/fast/stage.cjs)
 * and started by bin/healer.js without commander, chalk or the ESM loader's many small files. It accepts exactly
 * the options of src/wiring/stage-options.ts (shared with the commander wiring, which still serves --help) and
 * reports usage errors in commander's words. HEALER_NO_FAST_PATH=1 turns it off (for comparison and debugging).
 */
import { writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runStage, type StageOptions } from '../commands/stage.js';
import { exitCodeOf, Output, type TextStream } from '../output.js';
import { describeOption, STAGE_OPTIONS } from '../wiring/stage-options.js';

const SPECS = STAGE_OPTIONS.map(describeOption);

/**
 * stdout/stderr written straight to the file descriptor: creating process.stdout (a socket for a pipe, as in CI)
 * costs more than the whole write. A reader that went away (EPIPE) loses the line, never the record; a
 * non-blocking descriptor that is full (EAGAIN) falls back to the stream.
 */
function direct(fd: 1 | 2): TextStream {
  return {
    write(chunk: string) {
      const bytes = Buffer.from(chunk, 'utf8');
      let done = 0;
      try {
        while (done < bytes.length) done += writeSync(fd, bytes, done);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EPIPE') return;
        const stream = fd === 1 ? process.stdout : process.stderr;
        stream.on('error', () => undefined);
        stream.write(bytes.subarray(done));
      }
    },
    isTTY: false,
  };
}

const stdout = direct(1);
const stderr = direct(2);

function usage(message: string): number {
  stderr.write(`healer: error: ${message}\n`);
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
  // No colours on this path: `healer stage` prints one plain line, and CI logs are not terminals.
  const out = new Output({ json: flags.json === true, verbose: flags.verbose === true, color: false, stdout, stderr });
  const [stage, status] = parsed.positionals;
  try {
    process.exitCode = await runStage({ ...(flags as StageOptions), stage, status }, { env: process.env, out, now: Date.now });
  } catch (error) {
    out.error(error);
    process.exitCode = exitCodeOf(error);
  }
}

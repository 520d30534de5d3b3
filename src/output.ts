/**
 * All printing goes through Output: one place for NO_COLOR, --json, --verbose, and redaction of secrets.
 * Commands receive an Output; tests pass collecting streams and assert on the lines.
 */
import type { ChalkInstance } from 'chalk';
import { describeError, isHealerError } from './errors.js';
import { redactor as defaultRedactor, type Redactor } from './redact.js';

export interface TextStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export interface OutputOptions {
  stdout?: TextStream;
  stderr?: TextStream;
  env?: NodeJS.ProcessEnv;
  json?: boolean;
  verbose?: boolean;
  /** false forces colour off (--no-color); undefined decides from NO_COLOR / FORCE_COLOR / TTY. */
  color?: boolean;
  redactor?: Redactor;
  /**
   * Makes a chalk instance when colours are on. Injected so that the hot path (`healer stage`, run in every CI job)
   * never loads chalk: without it, or with colours off, `color` is a no-op stand-in with the same call shape.
   */
  chalk?: (level: 1 | 2 | 3) => ChalkInstance;
}

/** Callable, and every property is itself: `plain.red.bold('x') === 'x'`. Stands in for chalk when colours are off. */
const plainColors: ChalkInstance = new Proxy(function plain(...text: unknown[]) {
  return text.join(' ');
}, {
  get: (_target, prop) => (prop === 'level' ? 0 : plainColors),
}) as unknown as ChalkInstance;

/** NO_COLOR (any non-empty value) wins, then FORCE_COLOR, then whether the stream is a terminal. */
export function colorEnabled(stream: TextStream, env: NodeJS.ProcessEnv, flag?: boolean): boolean {
  if (flag === false) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (flag === true) return true;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

export class Output {
  readonly stdout: TextStream;
  readonly stderr: TextStream;
  readonly json: boolean;
  readonly verbose: boolean;
  readonly color: ChalkInstance;
  readonly colorOn: boolean;
  private readonly redactor: Redactor;

  constructor(options: OutputOptions = {}) {
    this.stdout = options.stdout ?? process.stdout;
    this.stderr = options.stderr ?? process.stderr;
    const env = options.env ?? process.env;
    this.json = options.json ?? false;
    this.verbose = options.verbose ?? false;
    this.redactor = options.redactor ?? defaultRedactor;
    this.colorOn = colorEnabled(this.stdout, env, options.color);
    this.color = this.colorOn && options.chalk ? options.chalk(1) : plainColors;
  }

  /** A line on stdout (human output). Suppressed in --json mode, where stdout holds one JSON document. */
  line(text = ''): void {
    if (this.json) return;
    this.stdout.write(this.redactor.redact(text) + '\n');
  }

  /** One JSON document on stdout. */
  data(value: unknown): void {
    this.stdout.write(this.redactor.redact(JSON.stringify(value, null, 2)) + '\n');
  }

  /** A warning on stderr: always one line. */
  warn(text: string): void {
    this.stderr.write(this.redactor.redact(`healer: warning: ${text}`) + '\n');
  }

  /** Diagnostics on stderr, only with --verbose. */
  debug(text: string): void {
    if (!this.verbose) return;
    this.stderr.write(this.redactor.redact(`healer: debug: ${text}`) + '\n');
  }

  /** Progress on stderr, for terminals only. */
  progress(text: string): void {
    if (this.json || this.stderr.isTTY !== true) return;
    this.stderr.write(this.redactor.redact(`\r\x1b[2K${text}`));
  }

  progressDone(): void {
    if (this.json || this.stderr.isTTY !== true) return;
    this.stderr.write('\r\x1b[2K');
  }

  /**
   * Report an error: one line (plus the hint) for a HealerError; for anything else one line that says it is
   * internal and how to report it. --verbose adds the stack either way.
   */
  error(error: unknown): void {
    const red = (s: string) => (this.stderrColor() ? this.color.red(s) : s);
    let text: string;
    if (isHealerError(error)) {
      text = `healer: ${red('error:')} ${error.message}${error.hint ? ` (${error.hint})` : ''}`;
    } else {
      text =
        `healer: ${red('internal error:')} ${describeError(error)}` +
        ' (this is a bug in healer; rerun with --verbose and report the output)';
    }
    this.stderr.write(this.redactor.redact(text) + '\n');
    if (this.verbose && error instanceof Error && error.stack) {
      this.stderr.write(this.redactor.redact(error.stack) + '\n');
    }
  }

  private stderrColor(): boolean {
    return this.colorOn && this.stderr.isTTY === true;
  }
}

/** The exit code for a thrown value. */
export function exitCodeOf(error: unknown): number {
  return isHealerError(error) ? error.exitCode : 1;
}

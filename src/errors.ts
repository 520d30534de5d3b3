/**
 * One error type for everything a person can act on. The CLI prints `message` (and `hint`) on one line
 * without a stack; `--verbose` adds the stack. Anything that is not a HealerError is an internal error.
 */
export const ExitCode = {
  ok: 0,
  actionFailed: 1,
  usage: 2,
  lock: 3,
  interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode] | number;

export type ErrorKind =
  | 'usage' // bad flags, bad names, bad input file: exit 2
  | 'config' // bad configuration: exit 2
  | 'state' // state folder missing or unwritable: warning unless strict
  | 'lock' // lock not obtained within its bound: warning unless strict (exit 3)
  | 'gitlab' // GitLab refused or failed: exit 1
  | 'action'; // an action failed: exit 1

const DEFAULT_EXIT: Record<ErrorKind, number> = {
  usage: ExitCode.usage,
  config: ExitCode.usage,
  state: ExitCode.lock,
  lock: ExitCode.lock,
  gitlab: ExitCode.actionFailed,
  action: ExitCode.actionFailed,
};

export interface HealerErrorOptions {
  hint?: string;
  exitCode?: number;
  cause?: unknown;
}

export class HealerError extends Error {
  readonly kind: ErrorKind;
  readonly hint: string | undefined;
  readonly exitCode: number;

  constructor(kind: ErrorKind, message: string, options: HealerErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HealerError';
    this.kind = kind;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? DEFAULT_EXIT[kind];
  }
}

export function usageError(message: string, hint?: string): HealerError {
  return new HealerError('usage', message, { hint });
}

export function isHealerError(error: unknown): error is HealerError {
  return error instanceof HealerError;
}

/** One line for a report: the message, and the hint of a healer or GitLab error in brackets. */
export function errorLine(error: unknown): string {
  if (error instanceof HealerError) return error.hint ? `${error.message} (${error.hint})` : error.message;
  return describeError(error);
}

/** A one-line description of an unknown thrown value (no stack). */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message.split('\n')[0] ?? error.name;
  return String(error);
}

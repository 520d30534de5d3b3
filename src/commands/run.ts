/**
 * `healer run <stage> -- <command…>`: run a job's command with a heartbeat, so that a job that legitimately runs for
 * 40 minutes never looks stuck to a 10-minute watchdog. Records in_progress, refreshes the job's `updated` every
 * N seconds while the command runs, records done/failed/canceled at the end, forwards signals, and exits with the
 * command's exit code (128 + signal number when the command was killed by a signal).
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { JobStatus } from '../core/record.js';
import { usageError } from '../errors.js';
import type { Output } from '../output.js';
import { checkStage, handleRecordingFailure, recordJob, resolveTarget, type TargetFlags } from './job-recorder.js';

export interface RunOptions extends TargetFlags {
  stage: string;
  command: string[];
  heartbeat?: string;
}

export interface RunDeps {
  env: Record<string, string | undefined>;
  out: Output;
  now: () => number;
}

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];
const DEFAULT_HEARTBEAT_SECONDS = 30;

export function heartbeatSeconds(flag: string | undefined, env: RunDeps['env']): number {
  const raw = flag ?? env.HEALER_HEARTBEAT_SECONDS;
  if (raw === undefined || raw === '') return DEFAULT_HEARTBEAT_SECONDS;
  const value = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || !(value >= 0.1) || value > 86_400) {
    throw usageError(`heartbeat ${JSON.stringify(raw).slice(0, 30)} is not a number of seconds between 0.1 and 86400`);
  }
  return value;
}

function signalNumber(signal: NodeJS.Signals): number {
  return (constants.signals as Record<string, number>)[signal] ?? 1;
}

export async function runWithHeartbeat(options: RunOptions, deps: RunDeps): Promise<number> {
  const { env, out } = deps;
  if (options.command.length === 0) throw usageError('no command to run', 'usage: healer run <stage> -- <command> [args…]');
  const target = resolveTarget(options, env);
  const stage = checkStage(options.stage);
  const interval = heartbeatSeconds(options.heartbeat, env);

  let warned = false;
  const record = async (status: JobStatus, heartbeat = false): Promise<boolean> => {
    try {
      await recordJob(target, stage, status, deps.now(), { heartbeat });
      return true;
    } catch (error) {
      if (target.strict && !heartbeat) {
        handleRecordingFailure(error, true, out);
        return false;
      }
      if (!warned || out.verbose) handleRecordingFailure(error, false, out);
      warned = true;
      return true;
    }
  };

  if (!(await record('in_progress'))) return 3;
  return new Promise<number>((resolve) => {
    const [file, ...args] = options.command as [string, ...string[]];
    const child = spawn(file, args, { stdio: 'inherit', env: process.env });
    let receivedSignal: NodeJS.Signals | null = null;
    const forward = (signal: NodeJS.Signals) => {
      receivedSignal = signal;
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    };
    for (const signal of FORWARDED) process.on(signal, forward);

    let beating: Promise<unknown> = Promise.resolve();
    let inFlight = false;
    const timer = setInterval(() => {
      if (inFlight) return; // a slow share must not pile up writes
      inFlight = true;
      beating = record('in_progress', true).finally(() => {
        inFlight = false;
      });
    }, interval * 1000);

    const finish = async (status: JobStatus, exitCode: number) => {
      clearInterval(timer);
      for (const signal of FORWARDED) process.off(signal, forward);
      await beating;
      const recorded = await record(status);
      resolve(!recorded && exitCode === 0 ? 3 : exitCode);
    };

    child.on('error', (error: NodeJS.ErrnoException) => {
      out.error(usageError(`cannot run ${file}: ${error.code ?? error.message}`, 'check the command and the PATH of the job'));
      void finish('failed', error.code === 'ENOENT' ? 127 : 126);
    });
    child.on('exit', (code, signal) => {
      const exitCode = code ?? (signal ? 128 + signalNumber(signal) : 1);
      const canceled = receivedSignal !== null && (receivedSignal === 'SIGTERM' || receivedSignal === 'SIGINT');
      const status: JobStatus = exitCode === 0 ? 'done' : canceled ? 'canceled' : 'failed';
      void finish(status, exitCode);
    });
  });
}

/** Helpers to read and poll progress records in tests. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProgressRecord } from '../../src/core/record.js';

export function recordPath(stateDir: string, pipelineId: number | string): string {
  return join(stateDir, String(pipelineId), '.ci-progress.json');
}

export async function readRecord(stateDir: string, pipelineId: number | string): Promise<ProgressRecord> {
  return JSON.parse(await readFile(recordPath(stateDir, pipelineId), 'utf8')) as ProgressRecord;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Poll until `check` returns a value (not undefined) or the bounded number of tries runs out. */
export async function waitFor<T>(check: () => Promise<T | undefined>, { tries = 200, everyMs = 50 } = {}): Promise<T> {
  for (let i = 0; i < tries; i += 1) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    await sleep(everyMs);
  }
  throw new Error(`condition not met after ${tries} tries`);
}

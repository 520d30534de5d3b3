/** A duration given on the command line (prune's --older-than, restore's --timeout, …): a unit is needed, and more than 0. */
import { parseDuration } from '../core/units.js';
import { usageError } from '../errors.js';

export function durationFlag(value: string, flag: string): number {
  const parsed = parseDuration(value);
  if (!parsed.ok) throw usageError(`${flag}: ${parsed.reason}`);
  if (parsed.value <= 0) throw usageError(`${flag} must be longer than 0`);
  return parsed.value;
}

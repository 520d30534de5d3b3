/**
 * A separate process that takes a record's lock with healer's own lock code and holds it until it is killed:
 * the "writer killed while it holds the lock" of the stage tests. Prints "locked" once it holds the lock.
 * Usage: node lock-holder.js <record path> <stale ms>
 */
import { acquireLock } from '../../src/store/lock.js';

const [file, stale] = process.argv.slice(2);
await acquireLock(file!, { staleMs: Number(stale ?? 2000), timeoutMs: 10_000 });
process.stdout.write('locked\n');
setInterval(() => undefined, 60_000);

/**
 * Crash-safe replacement of a file: write a temp file in the same folder, fsync it, rename it over the target,
 * fsync the folder. A reader sees the old bytes or the new bytes, never a mix; a crash leaves at worst a temp file.
 */
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync, promises as fsp } from 'node:fs';
import { basename, dirname, join } from 'node:path';

let counter = 0;

/**
 * Temp files are named so that scans and prune recognise and ignore them (leading dot, `.tmp`). Unique enough
 * across hosts sharing the folder (pid, time, random), and opened with O_EXCL so a clash fails instead of
 * clobbering. (No node:crypto: it would cost every CI job a few milliseconds of start-up.)
 */
export function tempPathFor(target: string): string {
  counter += 1;
  const unique = `${process.pid}.${Date.now().toString(36)}.${counter}.${Math.random().toString(36).slice(2, 10)}`;
  return join(dirname(target), `.${basename(target)}.${unique}.tmp`);
}

/** fsync on a directory is refused by some file systems and NFS clients; the rename is still atomic there. */
function fsyncRefused(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EINVAL' || code === 'EISDIR' || code === 'EPERM' || code === 'EBADF' || code === 'ENOTSUP';
}

export async function fsyncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await fsp.open(dir, 'r');
    await handle.sync();
  } catch (error) {
    if (!fsyncRefused(error)) throw error;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

export async function writeFileAtomic(target: string, data: string): Promise<void> {
  const temp = tempPathFor(target);
  const handle = await fsp.open(temp, 'wx', 0o666);
  try {
    try {
      await handle.writeFile(data, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fsp.rename(temp, target);
  } catch (error) {
    await fsp.unlink(temp).catch(() => undefined);
    throw error;
  }
  await fsyncDir(dirname(target));
}

/** The same protocol with synchronous calls, for the one-shot `healer stage` process. */
export function writeFileAtomicSync(target: string, data: string): void {
  const temp = tempPathFor(target);
  const fd = openSync(temp, 'wx', 0o666);
  try {
    try {
      const bytes = Buffer.from(data, 'utf8');
      for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, target);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // already gone
    }
    throw error;
  }
  let dirFd: number | undefined;
  try {
    dirFd = openSync(dirname(target), 'r');
    fsyncSync(dirFd);
  } catch (error) {
    if (!fsyncRefused(error)) throw error;
  } finally {
    if (dirFd !== undefined) closeSync(dirFd);
  }
}

/**
 * Crash-safe replacement of a file: write a temp file in the same folder, fsync it, rename it over the target,
 * fsync the folder. A reader sees the old bytes or the new bytes, never a mix; a crash leaves at worst a temp file.
 */
import { open, rename, unlink } from 'node:fs/promises';
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

export async function fsyncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    // Some file systems (and NFS clients) refuse fsync on a directory; the rename is still atomic there.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM' && code !== 'EBADF' && code !== 'ENOTSUP') throw error;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

export async function writeFileAtomic(target: string, data: string): Promise<void> {
  const temp = tempPathFor(target);
  const handle = await open(temp, 'wx', 0o666);
  try {
    try {
      await handle.writeFile(data, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await fsyncDir(dirname(target));
}

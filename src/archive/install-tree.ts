/**
 * Move staged archives into the project folder. First a dry pass checks every entry against what is on disk (and
 * what earlier archives of the same restore will put there); only when all pass is anything moved, so a conflict
 * refuses the restore with the project folder untouched.
 *
 * Never through a link: a folder on the way that is a symbolic link on disk refuses the restore (the link could point
 * anywhere), and so does a restored link whose target passes through one. Files and links replace what is at their
 * path with rename(2), which replaces a link itself and never writes through it.
 */
import { lstat, mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { EntryKind } from '../core/archive-paths.js';
import { HealerError } from '../errors.js';
import type { StagedArchive } from './safe-extract.js';

type Found = EntryKind | 'other' | null;

export interface InstallResult {
  files: number;
  links: number;
  folders: number;
}

class Tree {
  private readonly planned = new Map<string, EntryKind>();
  private readonly disk = new Map<string, Found>();
  constructor(private readonly root: string) {}

  async kind(path: string): Promise<Found> {
    const planned = this.planned.get(path);
    if (planned !== undefined) return planned;
    if (this.disk.has(path)) return this.disk.get(path)!;
    let found: Found;
    try {
      const info = await lstat(join(this.root, ...path.split('/')));
      found = info.isSymbolicLink() ? 'symlink' : info.isDirectory() ? 'directory' : info.isFile() ? 'file' : 'other';
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && (error as NodeJS.ErrnoException).code !== 'ENOTDIR') throw error;
      found = null;
    }
    this.disk.set(path, found);
    return found;
  }

  plan(path: string, kind: EntryKind): void {
    this.planned.set(path, kind);
  }
}

function conflict(label: string, reason: string): HealerError {
  return new HealerError('action', `the artifacts of ${label} cannot be restored: ${reason}`, {
    hint: 'nothing was written; remove the conflicting path from the project folder or from the artifacts',
  });
}

/** Check every entry of every archive; throws before anything is moved. */
export async function checkInstall(root: string, archives: Array<{ label: string; staged: StagedArchive }>): Promise<void> {
  const tree = new Tree(root);
  for (const { label, staged } of archives) {
    for (const entry of staged.entries) {
      const path = entry.parts.join('/');
      for (let i = 1; i < entry.parts.length; i += 1) {
        const prefix = entry.parts.slice(0, i).join('/');
        const found = await tree.kind(prefix);
        if (found === 'symlink') throw conflict(label, `${JSON.stringify(path)} would be written through the link ${JSON.stringify(prefix)} in the project folder`);
        if (found !== null && found !== 'directory') throw conflict(label, `${JSON.stringify(prefix)} is a file in the project folder, the artifacts need a folder there`);
        tree.plan(prefix, 'directory');
      }
      const found = await tree.kind(path);
      if (entry.kind === 'directory' && found !== null && found !== 'directory') {
        throw conflict(label, `${JSON.stringify(path)} is ${found === 'symlink' ? 'a link' : 'a file'} in the project folder, the artifacts have a folder there`);
      }
      if (entry.kind !== 'directory' && (found === 'directory' || found === 'other')) {
        throw conflict(label, `${JSON.stringify(path)} is a folder in the project folder, the artifacts have a file there`);
      }
      if (entry.kind === 'symlink') {
        const target = entry.linkResolved ?? [];
        for (let i = 1; i < target.length; i += 1) {
          const prefix = target.slice(0, i).join('/');
          if ((await tree.kind(prefix)) === 'symlink') {
            throw conflict(label, `the link ${JSON.stringify(path)} points through the link ${JSON.stringify(prefix)} in the project folder`);
          }
        }
      }
      tree.plan(path, entry.kind);
    }
  }
}

/** Move the staged trees in, in order (a later archive's file replaces an earlier one's). */
export async function installArchives(root: string, archives: Array<{ label: string; staged: StagedArchive }>): Promise<InstallResult> {
  const result: InstallResult = { files: 0, links: 0, folders: 0 };
  const made = new Set<string>();
  const ensureFolder = async (parts: string[]) => {
    for (let i = 1; i <= parts.length; i += 1) {
      const rel = parts.slice(0, i).join('/');
      if (made.has(rel)) continue;
      const path = join(root, ...parts.slice(0, i));
      try {
        await mkdir(path, { mode: 0o755 });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        // Checked before, checked again: the folder must still be a real folder, not a link put there since.
        const info = await lstat(path);
        if (!info.isDirectory() || info.isSymbolicLink()) throw new HealerError('action', `${path} changed while restoring: it is no longer a folder`);
      }
      made.add(rel);
    }
  };
  for (const { staged } of archives) {
    for (const entry of staged.entries) {
      if (entry.kind === 'directory') {
        await ensureFolder(entry.parts);
        result.folders += 1;
        continue;
      }
      await ensureFolder(entry.parts.slice(0, -1));
      await rename(join(staged.dir, ...entry.parts), join(root, ...entry.parts));
      if (entry.kind === 'symlink') result.links += 1;
      else result.files += 1;
    }
  }
  return result;
}

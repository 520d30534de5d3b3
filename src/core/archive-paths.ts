/**
 * The rules for names inside an artifact archive, before anything is written. Pure (no node:path, so the rules do
 * not change with the platform healer runs on). An archive with one refused entry is refused whole.
 *
 * - names are relative paths with `/` separators: absolute paths, drive letters (`C:`), backslashes, control
 *   characters and `..` components are refused (even `a/../b`, which stays inside: real artifacts never contain one);
 * - nothing may be written under `.git/` (hooks there would run on the next git command);
 * - symbolic links are kept only when their target is relative and stays inside the folder, resolved from the link's
 *   own folder without passing through another link of the archive (chains of links could otherwise climb out);
 * - only regular files, folders and links: devices, FIFOs and sockets are refused; set-id bits are dropped.
 */
export type EntryKind = 'file' | 'directory' | 'symlink';

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

const CONTROL = /[\u0000-\u001f\u007f]/;
const MAX_PATH = 4096;
const MAX_COMPONENT = 255;

const S_IFMT = 0o170000;
const TYPES: Record<number, EntryKind | null> = { 0o100000: 'file', 0o040000: 'directory', 0o120000: 'symlink' };

/** The entry's kind from its Unix mode (upper 16 bits of the external attributes) and its name. */
export function entryKind(externalFileAttributes: number, name: string): Checked<EntryKind> {
  const mode = (externalFileAttributes >>> 16) & 0xffff;
  const type = mode & S_IFMT;
  if (type === 0) return { ok: true, value: name.endsWith('/') ? 'directory' : 'file' }; // made on DOS/Windows
  const kind = TYPES[type];
  if (kind === undefined || kind === null) return { ok: false, reason: `${name}: not a regular file, folder or link (mode ${type.toString(8)})` };
  return { ok: true, value: kind };
}

/** The permission bits to write: 0755 when any execute bit is set, else 0644; never set-id or sticky bits. */
export function entryMode(externalFileAttributes: number, kind: EntryKind): number {
  if (kind === 'directory') return 0o755;
  const mode = (externalFileAttributes >>> 16) & 0o777;
  return mode & 0o111 ? 0o755 : 0o644;
}

function printable(name: string): string {
  return JSON.stringify(name).slice(0, 120);
}

/**
 * A checked entry name as its path components (empty for the root itself, e.g. `./`).
 * `.` and empty components are dropped; everything else that could leave the folder is refused.
 */
export function checkEntryName(name: string): Checked<string[]> {
  if (name.length === 0) return { ok: false, reason: 'an entry has an empty name' };
  if (name.length > MAX_PATH) return { ok: false, reason: `entry name of ${name.length} characters (at most ${MAX_PATH})` };
  if (CONTROL.test(name)) return { ok: false, reason: `${printable(name)}: control characters in the name` };
  if (name.includes('\\')) return { ok: false, reason: `${printable(name)}: backslash in the name (a Windows path trick)` };
  if (name.startsWith('/') || /^[a-zA-Z]:/.test(name)) return { ok: false, reason: `${printable(name)}: absolute path` };
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) return { ok: false, reason: `${printable(name)}: '..' in the path (would escape the folder)` };
  if (parts.some((p) => p.length > MAX_COMPONENT)) return { ok: false, reason: `${printable(name)}: a path component is too long` };
  if (parts[0] === '.git') return { ok: false, reason: `${printable(name)}: writes into the repository's .git folder` };
  return { ok: true, value: parts };
}

/**
 * A link's target resolved from the link's folder, as path components inside the root. `isLink(path)` tells
 * whether a path (components joined by `/`) is another link entry of the same archive.
 */
export function checkLinkTarget(linkParts: readonly string[], target: string, isLink: (path: string) => boolean): Checked<string[]> {
  const where = printable(linkParts.join('/'));
  if (target.length === 0) return { ok: false, reason: `link ${where} has an empty target` };
  if (target.length > MAX_PATH || CONTROL.test(target) || target.includes('\\')) {
    return { ok: false, reason: `link ${where} has an unusable target ${printable(target)}` };
  }
  if (target.startsWith('/') || /^[a-zA-Z]:/.test(target)) return { ok: false, reason: `link ${where} points to an absolute path ${printable(target)}` };
  const resolved = linkParts.slice(0, -1);
  const parts = target.split('/').filter((p) => p !== '' && p !== '.');
  for (const [i, part] of parts.entries()) {
    if (part === '..') {
      if (resolved.length === 0) return { ok: false, reason: `link ${where} points outside the folder (${printable(target)})` };
      resolved.pop();
      continue;
    }
    resolved.push(part);
    // Walking on through another link would resolve against that link's target, which a lexical check cannot see.
    if (i < parts.length - 1 && isLink(resolved.join('/'))) {
      return { ok: false, reason: `link ${where} points through another link (${printable(resolved.join('/'))})` };
    }
  }
  if (resolved[0] === '.git') return { ok: false, reason: `link ${where} points into the repository's .git folder` };
  return { ok: true, value: resolved };
}

/**
 * Extract an artifacts zip into a fresh staging folder, refusing the whole archive at the first unsafe entry.
 * Nothing reaches the project folder from here: install-tree.ts moves a staged tree in only after every archive
 * of the restore has been staged.
 *
 * Two passes over the central directory (yauzl): the first checks every name, kind, declared size and link target
 * (core/archive-paths.ts) and the entry count; the second writes regular files (exclusive create), counting the bytes
 * actually inflated — a zip bomb's declared sizes lie, the counter does not — then creates the links last, so no
 * write ever goes through a link.
 */
import { mkdir, symlink } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { checkEntryName, checkLinkTarget, entryKind, entryMode, type EntryKind } from '../core/archive-paths.js';
import { formatSize } from '../core/units.js';
import { HealerError } from '../errors.js';

export interface ExtractLimits {
  /** Total bytes written by one restore, over all its archives. */
  maxTotalBytes: number;
  /** Bytes of any single entry. */
  maxEntryBytes: number;
  /** Entries (files, folders and links) of one restore, over all its archives. */
  maxFiles: number;
}

/** What a restore has used so far; shared by the archives of one restore. */
export interface Budget {
  bytes: number;
  files: number;
}

export interface StagedEntry {
  parts: string[];
  kind: EntryKind;
  mode: number;
  /** For links: the target as written in the archive (checked to stay inside), and resolved from the root. */
  linkTarget?: string;
  linkResolved?: string[];
}

export interface StagedArchive {
  dir: string;
  entries: StagedEntry[];
  files: number;
  bytes: number;
}

/** Names healer uses for its own staging folders inside the project folder. */
export const STAGING_PREFIX = '.healer-restore-';
const MAX_LINK_TARGET = 4096;

interface Planned extends StagedEntry {
  entry: Entry;
}

export async function stageArchive(zipPath: string, stagingDir: string, label: string, limits: ExtractLimits, budget: Budget): Promise<StagedArchive> {
  const refuse = (reason: string, hint?: string) => new HealerError('action', `the artifacts of ${label} were refused: ${reason}`, { hint });
  let zip: ZipFile;
  try {
    zip = await yauzl.openPromise(zipPath, { autoClose: false, decodeStrings: false, validateEntrySizes: true, strictFileNames: true });
  } catch (error) {
    throw refuse(`not a readable zip archive (${(error as Error).message})`);
  }
  try {
    if (budget.files + zip.entryCount > limits.maxFiles) {
      throw refuse(`${zip.entryCount} entries, over the limit of ${limits.maxFiles} files per restore`, 'raise it with --max-files or HEALER_RESTORE_MAX_FILES');
    }
    const planned = await planEntries(zip, limits, budget, refuse);
    let bytes = 0;
    for (const item of planned) {
      const path = join(stagingDir, ...item.parts);
      if (item.kind === 'directory') {
        await mkdir(path, { recursive: true, mode: 0o755 });
      } else if (item.kind === 'file') {
        await mkdir(join(stagingDir, ...item.parts.slice(0, -1)), { recursive: true, mode: 0o755 });
        bytes += await inflateTo(zip, item, path, limits, budget.bytes + bytes, refuse);
      }
    }
    for (const item of planned) {
      if (item.kind !== 'symlink') continue;
      await mkdir(join(stagingDir, ...item.parts.slice(0, -1)), { recursive: true, mode: 0o755 });
      await symlink(item.linkTarget!, join(stagingDir, ...item.parts));
    }
    budget.files += planned.length;
    budget.bytes += bytes;
    return { dir: stagingDir, entries: planned.map(({ entry: _entry, ...rest }) => rest), files: planned.length, bytes };
  } catch (error) {
    if (error instanceof HealerError) throw error;
    throw ioError(error, label) ?? refuse((error as Error).message);
  } finally {
    zip.close();
  }
}

/** A failure of the disk (no space, no permission), told apart from a refusal of the archive. */
export function ioError(error: unknown, what: string): HealerError | null {
  const e = error as NodeJS.ErrnoException;
  if (!e?.code || !e.syscall) return null;
  return new HealerError('action', `cannot write ${what} while restoring artifacts: ${e.code}`, {
    hint: e.code === 'ENOSPC' ? 'the runner is out of disk space' : 'check that the project folder is writable by the job',
  });
}

async function planEntries(
  zip: ZipFile,
  limits: ExtractLimits,
  budget: Budget,
  refuse: (reason: string, hint?: string) => HealerError,
): Promise<Planned[]> {
  const planned: Planned[] = [];
  let declared = 0;
  for await (const entry of zip.eachEntry()) {
    const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, true);
    const parts = checkEntryName(name);
    if (!parts.ok) throw refuse(parts.reason);
    if (parts.value[0]?.startsWith(STAGING_PREFIX)) throw refuse(`${JSON.stringify(name)} uses a name healer reserves`);
    const kind = entryKind(entry.externalFileAttributes, name);
    if (!kind.ok) throw refuse(kind.reason);
    if (parts.value.length === 0) continue; // the folder itself ("./")
    if (entry.isEncrypted()) throw refuse(`${JSON.stringify(name)} is encrypted`);
    if (!entry.canDecodeFileData()) throw refuse(`${JSON.stringify(name)} uses an unsupported compression method ${entry.compressionMethod}`);
    if (entry.uncompressedSize > limits.maxEntryBytes) {
      throw refuse(`${JSON.stringify(name)} is ${formatSize(entry.uncompressedSize)}, over the limit of ${formatSize(limits.maxEntryBytes)} per file`, 'raise it with --max-file-size or HEALER_RESTORE_MAX_FILE_SIZE');
    }
    declared += entry.uncompressedSize;
    if (budget.bytes + declared > limits.maxTotalBytes) {
      throw refuse(`it unpacks to more than the limit of ${formatSize(limits.maxTotalBytes)} per restore`, 'raise it with --max-size or HEALER_RESTORE_MAX_SIZE');
    }
    planned.push({ entry, parts: parts.value, kind: kind.value, mode: entryMode(entry.externalFileAttributes, kind.value) });
  }

  // Structure: no path twice (folders excepted), nothing inside a file or a link.
  const byPath = new Map<string, Planned>();
  for (const item of planned) {
    const key = item.parts.join('/');
    const prev = byPath.get(key);
    if (prev && !(prev.kind === 'directory' && item.kind === 'directory')) throw refuse(`${JSON.stringify(key)} appears twice`);
    byPath.set(key, item);
  }
  for (const item of planned) {
    for (let i = 1; i < item.parts.length; i += 1) {
      const prefix = byPath.get(item.parts.slice(0, i).join('/'));
      if (prefix?.kind === 'symlink') throw refuse(`${JSON.stringify(item.parts.join('/'))} lies under the link ${JSON.stringify(prefix.parts.join('/'))}`);
      if (prefix?.kind === 'file') throw refuse(`${JSON.stringify(prefix.parts.join('/'))} is both a file and a folder`);
    }
  }
  const isLink = (path: string) => byPath.get(path)?.kind === 'symlink';
  for (const item of planned) {
    if (item.kind !== 'symlink') continue;
    const target = await readLinkTarget(zip, item.entry, refuse);
    const checked = checkLinkTarget(item.parts, target, isLink);
    if (!checked.ok) throw refuse(checked.reason);
    item.linkTarget = target;
    item.linkResolved = checked.value;
  }
  return planned;
}

async function readLinkTarget(zip: ZipFile, entry: Entry, refuse: (reason: string) => HealerError): Promise<string> {
  if (entry.uncompressedSize > MAX_LINK_TARGET) throw refuse('a link target is longer than any path');
  const stream = await zip.openReadStreamPromise(entry);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_LINK_TARGET) throw refuse('a link target is longer than any path');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Inflate one entry to `path`, counting real bytes against the per-file and per-restore limits. */
async function inflateTo(
  zip: ZipFile,
  item: Planned,
  path: string,
  limits: ExtractLimits,
  usedBefore: number,
  refuse: (reason: string, hint?: string) => HealerError,
): Promise<number> {
  let written = 0;
  const name = JSON.stringify(item.parts.join('/'));
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      written += chunk.length;
      if (written > limits.maxEntryBytes) {
        return done(refuse(`${name} inflates beyond the limit of ${formatSize(limits.maxEntryBytes)} per file`, 'raise it with --max-file-size or HEALER_RESTORE_MAX_FILE_SIZE'));
      }
      if (usedBefore + written > limits.maxTotalBytes) {
        return done(refuse(`it inflates beyond the limit of ${formatSize(limits.maxTotalBytes)} per restore`, 'raise it with --max-size or HEALER_RESTORE_MAX_SIZE'));
      }
      done(null, chunk);
    },
  });
  const source = await zip.openReadStreamPromise(item.entry);
  try {
    await pipeline(source, counter, createWriteStream(path, { flags: 'wx', mode: item.mode }));
  } catch (error) {
    if (error instanceof HealerError) throw error;
    const io = ioError(error, item.parts.join('/'));
    if (io) throw io;
    const message = (error as Error).message;
    // yauzl counts the inflated bytes against the size the central directory declares.
    if (message.startsWith('too many bytes in the stream')) {
      throw refuse(`${name} inflates to more than the ${formatSize(item.entry.uncompressedSize)} it declares (a zip bomb, or a damaged archive)`);
    }
    throw refuse(`${name}: ${message}`);
  }
  return written;
}

/**
 * Files that ship with healer (package.json, bin/, templates/), found from the running module by walking up to
 * healer's own package.json: correct from dist/src/…, from a bundle, and from an npm or npx install.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

export function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate) && (JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string }).name === 'healer') {
      return (root = dir);
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('healer: cannot find its own package.json');
    dir = parent;
  }
}

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

/** The CLI entry point, for commands that run healer itself as a child process (the demo's watchdog). */
export function binPath(): string {
  return join(packageRoot(), 'bin', 'healer.js');
}

export function templatesDir(): string {
  return join(packageRoot(), 'templates');
}

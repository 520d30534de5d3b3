/** A git-style unified diff of the old and new text (so `git apply` takes it), coloured when colour is on. */
import { structuredPatch } from 'diff';
import type { Output } from '../output.js';

export function unifiedDiff(path: string, before: string, after: string): string {
  const patch = structuredPatch(`a/${path}`, `b/${path}`, before, after, '', '', { context: 3 });
  const lines = [`--- a/${path}`, `+++ b/${path}`];
  for (const hunk of patch.hunks) {
    lines.push(`@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`);
    lines.push(...hunk.lines);
  }
  return lines.join('\n') + '\n';
}

export function printDiff(out: Output, diff: string): void {
  const c = out.color;
  for (const line of diff.replace(/\n$/, '').split('\n')) {
    if (line.startsWith('+++') || line.startsWith('---')) out.line(c.bold(line));
    else if (line.startsWith('+')) out.line(c.green(line));
    else if (line.startsWith('-')) out.line(c.red(line));
    else if (line.startsWith('@@')) out.line(c.cyan(line));
    else out.line(line);
  }
}

// Bundles what tsc compiled (dist/src) so that healer starts fast:
// - dist/fast/stage.cjs: the fast path of `healer stage`, one CommonJS file, no commander or chalk (every CI job);
// - dist/cli/: the full CLI as ES modules with code splitting: one small entry (commander and the wiring) and one
//   chunk per lazily imported command, instead of hundreds of small files for the ESM loader to resolve.
//   dist/cli/meta.json maps every chunk to the source modules in it (the load tests read it).
import { build } from 'esbuild';
import { writeFileSync } from 'node:fs';

const common = { bundle: true, platform: 'node', target: 'node20', minify: true, legalComments: 'linked', logLevel: 'warning' };

await build({
  ...common,
  entryPoints: ['dist/src/fast/stage-main.js'],
  outfile: 'dist/fast/stage.cjs',
  format: 'cjs',
  // graceful-fs queues file operations to survive EMFILE in long-running processes that open thousands of files;
  // a `healer stage` process opens a handful, and graceful-fs costs every CI job its start-up patching. The lock
  // code (proper-lockfile) works the same on plain node:fs, which it also accepts through its `fs` option.
  //
  // signal-exit (proper-lockfile releases held locks through it when the process exits) loads node:assert for one
  // assert.equal; node:assert initialises process.stderr on load. The shim does that one check.
  alias: { 'graceful-fs': 'node:fs', assert: './scripts/shims/assert.cjs' },
});

const cli = await build({
  ...common,
  entryPoints: ['dist/src/cli.js'],
  outdir: 'dist/cli',
  // As for the fast path: healer passes node:fs to proper-lockfile, so graceful-fs (which patches fs on load) is
  // never used; and signal-exit's one assert needs no node:assert.
  alias: { 'graceful-fs': 'node:fs', assert: './scripts/shims/assert.cjs' },
  format: 'esm',
  splitting: true,
  metafile: true,
  // CommonJS dependencies inside an ES module bundle still call require().
  banner: { js: "import { createRequire as __healerCreateRequire } from 'node:module'; const require = __healerCreateRequire(import.meta.url);" },
});
const chunks = Object.fromEntries(
  Object.entries(cli.metafile.outputs).map(([file, output]) => [file.replace(/^dist\/cli\//, ''), Object.keys(output.inputs)]),
);
writeFileSync('dist/cli/meta.json', JSON.stringify(chunks, null, 1) + '\n');

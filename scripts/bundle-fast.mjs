// Bundles the fast path of `healer stage` (dist/src/fast/stage-main.js, compiled by tsc) into one CommonJS file,
// dist/fast/stage.cjs: one file to read and compile instead of dozens, no commander or chalk.
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/src/fast/stage-main.js'],
  outfile: 'dist/fast/stage.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: true,
  legalComments: 'linked',
  // graceful-fs queues file operations to survive EMFILE in long-running processes that open thousands of files;
  // a `healer stage` process opens a handful, and graceful-fs costs every CI job its start-up patching. The lock
  // code (proper-lockfile) works the same on plain node:fs, which it also accepts through its `fs` option.
  //
  // signal-exit (proper-lockfile releases held locks through it when the process exits) loads node:assert for one
  // assert.equal; node:assert initialises process.stderr on load. The shim does that one check.
  alias: { 'graceful-fs': 'node:fs', assert: './scripts/shims/assert.cjs' },
  logLevel: 'warning',
});

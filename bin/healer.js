#!/usr/bin/env node
// Shim only. `healer stage` runs in every CI job, so it takes a fast path: one bundled CommonJS file, no commander
// (see src/fast/stage-main.ts). Everything else, and `stage --help`, goes through the commander CLI.
'use strict';
const nodeModule = require('node:module');

if (typeof nodeModule.enableCompileCache === 'function') {
  try { nodeModule.enableCompileCache(); } catch { /* the cache is an optimisation only */ }
}

function notBuilt(error) {
  if (error && (error.code === 'MODULE_NOT_FOUND' || error.code === 'ERR_MODULE_NOT_FOUND') && /dist[\\/]/.test(String(error.message))) {
    process.stderr.write('healer: the CLI is not built; run `npm ci` (or `npm run build`) in the healer folder\n');
    process.exitCode = 2;
    return true;
  }
  return false;
}

const args = process.argv.slice(2);
const fast = args[0] === 'stage' && !args.includes('--help') && !args.includes('-h') && !process.env.HEALER_NO_FAST_PATH;

if (fast) {
  let stage;
  try {
    stage = require('../dist/fast/stage.cjs');
  } catch (error) {
    if (!notBuilt(error)) throw error;
  }
  if (stage) stage.main(process.argv);
} else {
  // A reader that goes away (`healer status | head`) must not crash healer mid-work: drop the output, finish the work.
  // (Not on the fast path: touching process.stdout creates the stream, which costs more than `healer stage` itself.)
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error) => {
      if (error.code !== 'EPIPE') throw error;
    });
  }
  import('../dist/cli/cli.js').then(
    ({ main }) => main(process.argv),
    (error) => {
      if (!notBuilt(error)) throw error;
    },
  );
}

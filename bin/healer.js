#!/usr/bin/env node
// Shim only: enable the compile cache where Node offers it, then load the built CLI.
import module from 'node:module';

if (typeof module.enableCompileCache === 'function') {
  try { module.enableCompileCache(); } catch { /* cache is an optimisation only */ }
}

try {
  const { main } = await import('../dist/src/cli.js');
  await main(process.argv);
} catch (error) {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/src/cli.js')) {
    process.stderr.write('healer: the CLI is not built; run `npm ci` (or `npm run build`) in the healer folder\n');
    process.exitCode = 2;
  } else {
    throw error;
  }
}

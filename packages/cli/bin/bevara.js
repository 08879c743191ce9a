#!/usr/bin/env node
// Runs the TypeScript sources with no build step: from a bundle compiled on the first start after a change
// (bundle-cache.js), or, when no bundle can be made here (say, a read-only install), through tsx.
import { build, cacheDir, freshBuild, runBundle } from './bundle-cache.js';

async function loadMain() {
  // Stack traces (BEVARA_DEBUG, the server's error log) then name the TypeScript sources, as under tsx. Only
  // where one is read: mapping every module as it loads costs a short command a fifth of its time (pdf.js's
  // map alone is megabytes).
  const mapped = Boolean(process.env.BEVARA_DEBUG) || process.argv.slice(2).includes('serve');
  if (mapped) process.setSourceMapsEnabled(true);
  const cache = cacheDir();
  let bundle = freshBuild(cache);
  if (bundle === undefined) {
    try {
      bundle = await build(cache);
    } catch (e) {
      if (process.env.BEVARA_DEBUG) process.stderr.write(`bevara: no compiled bundle, running through tsx: ${e instanceof Error ? e.message : String(e)}\n`);
    }
  }
  // the verb names the code cache: each keeps the functions its own runs compile
  if (bundle !== undefined) return runBundle(bundle, process.argv[2], mapped);
  const { register } = await import('tsx/esm/api');
  register();
  return import('../src/main.ts');
}

// A reader that goes away (`bevara list --json | head`) ends the output, not the command: it finishes what it was
// doing (an ingest, an audit) and exits with its own status, as it would have without the pipe.
process.stdout.on('error', (e) => {
  if (e.code !== 'EPIPE') throw e;
});

try {
  const { main } = await loadMain();
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  // Only a broken installation gets here: main() turns every failure into an exit code itself.
  process.stderr.write(`bevara: cannot start: ${e instanceof Error ? e.message : String(e)} [C-003]\n`);
  process.exitCode = 2;
}

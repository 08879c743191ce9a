#!/usr/bin/env node
// Runs the TypeScript sources directly (no build step): tsx compiles on load and caches.
import { register } from 'tsx/esm/api';

register();
try {
  const { main } = await import('../src/main.ts');
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  // Only a broken installation gets here: main() turns every failure into an exit code itself.
  process.stderr.write(`bevara: cannot start: ${e instanceof Error ? e.message : String(e)} [C-003]\n`);
  process.exitCode = 2;
}

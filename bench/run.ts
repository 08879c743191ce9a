// Runs every benchmark, or those named: `pnpm bench storage`.
const all = ['storage', 'validate', 'ingest', 'audit', 'search'];
const chosen = process.argv.slice(2).length ? process.argv.slice(2) : all;
for (const name of chosen) {
  if (!all.includes(name)) throw new Error(`unknown benchmark ${name}; known: ${all.join(', ')}`);
  console.log(`== ${name}`);
  await import(`./${name}.ts`);
}

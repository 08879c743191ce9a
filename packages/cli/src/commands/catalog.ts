import type { Register } from '../main.ts';
import { withArchive } from '../context.ts';
import { jsonLine } from '../output/io.ts';

export const register: Register = (program, run) => {
  const catalog = program.command('catalog').description('the SQLite catalog, a cache of the store');
  catalog
    .command('rebuild')
    .description('recreate the catalog from the store alone (inventories, AIP METS, PREMIS)')
    .option('--json', 'the result as one JSON object {"aips"}')
    .addHelpText('after', '\nEXIT STATUS\n  0 rebuilt, 2 error (the old catalog is kept)')
    .action(
      run(async (ctx) =>
        withArchive(ctx, async (archive) => {
          const bar = ctx.io.progress('rebuild');
          const result = await archive.rebuildCatalog((done, total, what) => bar.update(done, total, what));
          bar.stop();
          ctx.io.out(ctx.io.json ? jsonLine(result) : `catalog rebuilt from store ${archive.store.name}: ${result.aips} AIPs`);
          return 0;
        }),
      ),
    );
};

import type { Register } from '../main.ts';
import { withArchive } from '../context.ts';
import { jsonLine } from '../output/io.ts';

export const register: Register = (program, run) => {
  program
    .command('export')
    .argument('<dir>', 'a new or empty folder')
    .argument('[aip...]', 'AIP ids (default: all)')
    .description('write AIPs as a plain OCFL 1.1 storage root with E-ARK content, certificates, the audit log and a catalog dump (JSON lines), readable without Bevara')
    .option('--json', 'one JSON object {"dir","aips","files"}')
    .addHelpText('after', '\nEXIT STATUS\n  0 exported, 2 error (nothing is left in DIR)')
    .action(
      run(async (ctx, dir: string, ids: string[]) =>
        withArchive(ctx, async (archive) => {
          const bar = ctx.io.progress('export');
          const result = await archive.exportTo(dir, ids, (done, total, what) => bar.update(done, total, what));
          bar.stop();
          ctx.io.out(ctx.io.json ? jsonLine(result) : `exported ${result.aips.length} AIPs (${result.files} files) to ${result.dir}`);
          return 0;
        }),
      ),
    );
};

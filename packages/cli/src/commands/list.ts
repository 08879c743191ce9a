import type { Register } from '../main.ts';
import { withArchive } from '../context.ts';
import { formatBytes, jsonLine } from '../output/io.ts';

export const register: Register = (program, run) => {
  program
    .command('list')
    .description('list the AIPs in the archive')
    .option('--json', 'one JSON object per AIP per line')
    .addHelpText('after', '\nEXIT STATUS\n  0 listed, 2 error')
    .action(
      run(async (ctx) =>
        withArchive(ctx, async (archive) => {
          const aips = archive.list();
          if (ctx.io.json) {
            for (const a of aips) ctx.io.out(jsonLine(a));
          } else if (aips.length === 0) {
            ctx.io.out('The archive holds no AIPs yet.');
          } else {
            for (const a of aips) {
              ctx.io.out(`${a.id}  ${a.head.padEnd(4)} ${a.created.slice(0, 10)}  ${String(a.fileCount).padStart(5)} files ${formatBytes(a.totalSize).padStart(9)}  ${a.label}`);
            }
            ctx.io.out(`${aips.length} AIP${aips.length === 1 ? '' : 's'}`);
          }
          return 0;
        }),
      ),
    );
};

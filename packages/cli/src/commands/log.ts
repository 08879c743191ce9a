import type { Register } from '../main.ts';
import { withArchive } from '../context.ts';
import { jsonLine } from '../output/io.ts';

export const register: Register = (program, run) => {
  const log = program.command('log').description("the archive's tamper-evident audit log");
  log
    .command('verify')
    .description('check the hash chain and the signed checkpoints; names every edited, removed, inserted or reordered entry')
    .option('--json', 'the result as one JSON object {"ok","entries","lastSeq","problems"}')
    .addHelpText('after', '\nEXIT STATUS\n  0 the chain is intact, 1 it is broken, 2 error')
    .action(
      run(async (ctx) =>
        withArchive(ctx, async (archive) => {
          const result = await archive.verifyLog();
          if (ctx.io.json) {
            ctx.io.out(jsonLine(result));
          } else {
            for (const p of result.problems) ctx.io.out(`entry ${p.seq}: ${p.kind}: ${p.message}`);
            ctx.io.out(result.ok ? `audit log intact: ${result.entries} entries` : `audit log BROKEN: ${result.problems.length} problem(s) in ${result.entries} entries`);
          }
          return result.ok ? 0 : 1;
        }),
      ),
    );
};

import type { Register } from '../main.ts';
import { withArchive } from '../context.ts';
import { formatBytes, jsonLine } from '../output/io.ts';

export const register: Register = (program, run) => {
  program
    .command('verify')
    .argument('[aip...]', 'AIP ids (default: every object in the store)')
    .description('check OCFL validity, every digest and every version signature of AIPs')
    .option('--json', 'one JSON object per AIP per line: {"id","ok","head","files","bytes","findings"}')
    .addHelpText('after', '\nEXIT STATUS\n  0 every AIP is intact, 1 some AIP has a finding (a bad digest, signature, inventory), 2 error')
    .action(
      run(async (ctx, ids: string[]) =>
        withArchive(ctx, async (archive) => {
          const bar = ctx.io.progress('verify');
          const results = await archive.verify(ids, (done, total, what) => bar.update(done, total, what));
          bar.stop();
          let bad = 0;
          for (const r of results) {
            if (!r.ok) bad++;
            if (ctx.io.json) {
              ctx.io.out(jsonLine(r));
              continue;
            }
            ctx.io.out(`${r.ok ? 'ok  ' : 'FAIL'} ${r.id}${r.head ? ` ${r.head}` : ''}  ${r.files} files, ${formatBytes(r.bytes)}`);
            for (const f of r.findings) ctx.io.out(`     ${f.code} ${f.path ?? ''}: ${f.message}`);
          }
          if (!ctx.io.json) ctx.io.out(`${results.length - bad} intact, ${bad} with findings`);
          return bad > 0 ? 1 : 0;
        }),
      ),
    );
};

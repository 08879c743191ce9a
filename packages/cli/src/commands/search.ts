import type { Register } from '../main.ts';
import { withArchive } from '../context.ts';
import { jsonLine } from '../output/io.ts';

export const register: Register = (program, run) => {
  program
    .command('search')
    .argument('<query>', 'words, prefixes or a diarienummer')
    .description('search the archive exactly as the public sees it: released records only')
    .option('--organisation <name>', 'only records of this organisation')
    .option('--year <yyyy>', 'only records of this year')
    .option('--kind <kind>', 'only records of this kind (Handlingstyp)')
    .option('--limit <n>', 'records per page (1-100)', '20')
    .option('--cursor <cursor>', 'the next page, as printed after the last')
    .option('--json', 'one JSON object: the same as GET /api/v1/public/records')
    .addHelpText('after', '\nEXIT STATUS\n  0 searched (also when nothing matched), 2 usage or system error')
    .action(
      run(async (ctx, query: string, opts: { organisation?: string; year?: string; kind?: string; limit: string; cursor?: string }) =>
        withArchive(ctx, async (archive) => {
          const { searchJson, searchPublic } = await import('@bevara/access');
          const { BevaraError } = await import('@bevara/storage');
          const whole = (v: string | undefined, name: string): number | undefined => {
            if (v === undefined) return undefined;
            if (!/^\d+$/.test(v)) throw new BevaraError('C-001', `--${name} must be a whole number`);
            return Number(v);
          };
          const year = whole(opts.year, 'year');
          const result = searchPublic(
            archive.catalog.db,
            {
              q: query,
              limit: whole(opts.limit, 'limit')!,
              ...(opts.organisation ? { organisation: opts.organisation } : {}),
              ...(year !== undefined ? { year } : {}),
              ...(opts.kind ? { kind: opts.kind } : {}),
              ...(opts.cursor ? { cursor: opts.cursor } : {}),
            },
            new Date(),
          );
          if (ctx.io.json) {
            ctx.io.out(jsonLine(searchJson(result)));
            return 0;
          }
          ctx.io.out(`${result.totalRelation === 'gte' ? 'more than ' : ''}${result.total} released record${result.total === 1 ? '' : 's'}`);
          for (const r of result.records) {
            ctx.io.out(`${r.objectId}  ${r.date ?? '          '}  ${r.title ?? '(untitled)'}  [${r.id}]`);
            if (r.snippet) ctx.io.out(`    ${r.snippet.replace(/\u0001/g, '«').replace(/\u0002/g, '»')}`);
            for (const f of r.files) ctx.io.out(`    ${f.name}  /api/v1/public/files/${f.id}/content`);
          }
          if (result.next) ctx.io.out(`more: --cursor ${result.next}`);
          return 0;
        }),
      ),
    );
};

import type { Register } from '../main.ts';
import { withArchive } from '../context.ts';
import { formatBytes, jsonLine } from '../output/io.ts';
import type { UnsearchableReason } from '@bevara/access';

const UNSEARCHABLE: Record<UnsearchableReason, string> = {
  unreadable: 'its reader could not read it',
  'over-limit': "reading it passed the time or memory limit",
  'not-read': "not read: the AIP's PDFs had used up their reading budget",
  'too-large': 'too large to read for text',
};

export const register: Register = (program, run) => {
  program
    .command('show')
    .argument('<aip>', 'the AIP id, as `bevara list` prints it')
    .description("show an AIP: its versions, files, preservation events and the documents search cannot find by their text")
    .option('--json', 'the AIP as one JSON object')
    .addHelpText('after', '\nEXIT STATUS\n  0 shown, 2 no such AIP or another error')
    .action(
      run(async (ctx, id: string) =>
        withArchive(ctx, async (archive) => {
          const aip = archive.show(id);
          const { unsearchableDocuments } = await import('@bevara/access');
          const unsearchable = unsearchableDocuments(archive.catalog.db, aip.id);
          if (ctx.io.json) {
            ctx.io.out(jsonLine({ ...aip, unsearchable }));
            return 0;
          }
          ctx.io.out(`AIP ${aip.id}`);
          ctx.io.out(`  label:    ${aip.label}`);
          ctx.io.out(`  category: ${aip.contentCategory}`);
          ctx.io.out(`  head:     ${aip.head} (${aip.updated})`);
          ctx.io.out(`  files:    ${aip.fileCount}, ${formatBytes(aip.totalSize)}`);
          ctx.io.out('Versions:');
          for (const v of aip.versions) ctx.io.out(`  ${v.version.padEnd(4)} ${v.created}  ${v.user.name}: ${v.message}`);
          ctx.io.out('Files:');
          for (const f of aip.files) ctx.io.out(`  ${f.sha256.slice(0, 16)}… ${formatBytes(f.size).padStart(9)}  ${f.path}`);
          ctx.io.out('Events:');
          for (const e of aip.events) ctx.io.out(`  ${e.dateTime}  ${e.version.padEnd(4)} ${e.type} (${e.outcome}): ${e.detail}`);
          if (unsearchable.length > 0) {
            ctx.io.out('Not searchable by their text (their records still are, by their metadata):');
            for (const d of unsearchable) ctx.io.out(`  ${d.path}: ${UNSEARCHABLE[d.reason]}`);
          }
          return 0;
        }),
      ),
    );
};

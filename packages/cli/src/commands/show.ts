import type { Register } from '../main.ts';
import { withArchive } from '../context.ts';
import { formatBytes, jsonLine } from '../output/io.ts';

export const register: Register = (program, run) => {
  program
    .command('show')
    .argument('<aip>', 'the AIP id, as `bevara list` prints it')
    .description("show an AIP: its versions, files and preservation events")
    .option('--json', 'the AIP as one JSON object')
    .addHelpText('after', '\nEXIT STATUS\n  0 shown, 2 no such AIP or another error')
    .action(
      run(async (ctx, id: string) =>
        withArchive(ctx, async (archive) => {
          const aip = archive.show(id);
          if (ctx.io.json) {
            ctx.io.out(jsonLine(aip));
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
          return 0;
        }),
      ),
    );
};

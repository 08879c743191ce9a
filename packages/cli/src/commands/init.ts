import path from 'node:path';
import type { Register } from '../main.ts';
import { jsonLine } from '../output/io.ts';

export const register: Register = (program, run) => {
  program
    .command('init')
    .argument('[dir]', 'the new archive folder (default: --archive or $BEVARA_ARCHIVE)')
    .description('create an archive on the embedded default: a local folder store, SQLite catalog and a self-signed signing key')
    .option('--subject <dn>', 'subject of the self-signed certificate, e.g. "CN=Bevara, O=Exempla kommun, C=SE"')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nEXIT STATUS\n  0 created, 2 the folder is already an archive or not empty, or another error')
    .action(
      run(async (ctx, dir: string | undefined, opts: { subject?: string; json?: boolean }) => {
        const target = dir ? path.resolve(dir) : ctx.archiveDir();
        const { Archive } = await import('@bevara/storage');
        // with the tables every command opens it with: the first command after this one need not rebuild the catalog
        const archive = await Archive.init(target, { catalogExtensions: await ctx.catalogExtensions(), ...(opts.subject ? { keySubject: opts.subject } : {}) });
        const cert = archive.keys.current();
        await archive.close();
        if (ctx.io.json) {
          ctx.io.out(jsonLine({ archive: target, archiveId: archive.config.archiveId, certificate: cert?.fingerprint }));
        } else {
          ctx.io.out(`Created archive ${target}`);
          ctx.io.out(`  id:          ${archive.config.archiveId}`);
          ctx.io.out(`  store:       ${path.join(target, 'store')} (OCFL 1.1 storage root)`);
          ctx.io.out(`  signing key: ${cert?.subject} (sha256 ${cert?.fingerprint})`);
          ctx.io.out(`Use it with --archive ${target} or BEVARA_ARCHIVE=${target}`);
        }
        return 0;
      }),
    );
};

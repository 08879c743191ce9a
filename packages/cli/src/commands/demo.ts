import fs from 'node:fs';
import path from 'node:path';
import type { Profile } from '@bevara/ingest';
import type { Register } from '../main.ts';

/** The sample deliveries of a new demo archive: both package profiles, with their natural secrecy (some records withheld). */
const SAMPLES: Array<{ profile: Profile; organisation: string; seed: string }> = [
  { profile: 'fgs12', organisation: 'Exempelby kommun', seed: 'demo-exempelby' },
  { profile: 'eark-csip-2.1', organisation: 'Provsta kommun', seed: 'demo-provsta' },
];

export const register: Register = (program, run) => {
  program
    .command('demo')
    .argument('[dir]', 'the demo archive folder', 'bevara-demo')
    .description('an archive on the embedded default with generated sample packages ingested, served with its public page')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 picks a free one)', '8080')
    .option('--no-serve', 'prepare the archive and stop')
    .addHelpText('after', '\nEXIT STATUS\n  0 ready (or stopped by SIGINT/SIGTERM), 2 error')
    .action(
      run(async (ctx, dir: string, opts: { host: string; port: string; serve: boolean }) => {
        const { DEFAULT_AGREEMENT, DEFAULT_SUBMISSION_LIMITS, generatePackage, ingestPackage, SubmissionService, writeZip } = await import('@bevara/ingest');
        const { Archive, BevaraError } = await import('@bevara/storage');
        const { createApp } = await import('../serve/app.ts');
        const target = path.resolve(dir);
        const fresh = !fs.existsSync(path.join(target, 'bevara.json'));
        const options = { catalogExtensions: await ctx.catalogExtensions() };
        const archive = fresh ? await Archive.init(target, options) : await Archive.open(target, options);
        try {
          if (fresh) {
            const work = path.join(archive.paths.staging, 'demo-samples');
            fs.mkdirSync(work, { recursive: true });
            try {
              for (const s of SAMPLES) {
                const spec = generatePackage({ profile: s.profile, seed: s.seed, organisation: s.organisation, cases: 8 });
                const zip = path.join(work, `${s.seed}.zip`);
                await writeZip(spec, zip);
                const result = await ingestPackage(archive, zip, { agreement: DEFAULT_AGREEMENT, submitter: 'bevara demo' });
                const failed = result.report.results.filter((r) => r.status === 'failed').map((r) => r.id);
                ctx.io.out(`${s.organisation} (${s.profile}): ${result.outcome}${failed.length ? ` (${[...new Set(failed)].join(', ')})` : ''}`);
              }
            } finally {
              fs.rmSync(work, { recursive: true, force: true });
            }
          }
          const records = archive.catalog.db.prepare("SELECT count(*) AS n, sum(public_from <= ?) AS released FROM access_records").get(new Date().toISOString().slice(0, 10)) as { n: number; released: number | null };
          ctx.io.out(`${fresh ? 'Created' : 'Opened'} the demo archive ${target}: ${archive.list().length} AIPs, ${records.n} records, ${records.released ?? 0} released.`);
          if (!opts.serve) return 0;
          const port = Number(opts.port);
          if (!Number.isInteger(port) || port < 0 || port > 65535) throw new BevaraError('C-001', '--port must be 0..65535');
          const log = (entry: Record<string, unknown>) => ctx.io.err(JSON.stringify({ time: new Date().toISOString(), ...entry }));
          const service = new SubmissionService(archive, DEFAULT_SUBMISSION_LIMITS, log);
          const { createServer } = await import('node:http');
          const server = createServer(createApp({ submissions: service, log, access: { archive } }).callback());
          await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, opts.host, resolve));
          const addr = server.address();
          const where = typeof addr === 'object' && addr ? `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}/` : String(addr);
          ctx.io.out(`Public page: ${where}  (English: ${where}en/)`);
          ctx.io.out(`Stop with Ctrl-C. Meanwhile: export BEVARA_ARCHIVE=${target}; npx pnpm@10.34.8 bevara search bygglov`);
          await new Promise<void>((resolve) => {
            process.once('SIGINT', resolve);
            process.once('SIGTERM', resolve);
          });
          await new Promise<void>((resolve) => server.close(() => resolve()));
          await service.idle();
          return 0;
        } finally {
          await archive.close();
        }
      }),
    );
};

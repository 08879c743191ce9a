import type { SubmissionLimits } from '@bevara/ingest';
import type { Register } from '../main.ts';
import { withArchive } from '../context.ts';

/**
 * Ingest's DEFAULT_SUBMISSION_LIMITS, written out so that parsing the command line (and --help, which shows
 * them) does not load ingest; serve.test.ts keeps the two equal.
 */
export const DEFAULT_LIMITS: SubmissionLimits = { maxBytes: 64 * 1024 ** 3, idleTimeoutMs: 30_000, concurrency: 4 };

/** How often a running server looks for undecided submissions no live process works on. */
const RESUME_EVERY_MS = 60_000;

export const register: Register = (program, run) => {
  program
    .command('serve')
    .description('serve the submission API (and take packages from a drop folder)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on', '8080')
    .option('--max-bytes <n>', 'largest upload accepted', String(DEFAULT_LIMITS.maxBytes))
    .option('--idle-timeout <ms>', 'longest pause in an upload', String(DEFAULT_LIMITS.idleTimeoutMs))
    .option('--concurrency <n>', 'uploads and ingests at once', String(DEFAULT_LIMITS.concurrency))
    .option('--drop <dir>', 'also take packages from this drop folder (see bevara watch --help)')
    .option('--audit-check <ms>', 'how often to look whether a fixity audit is due (the cycle is the policy\'s); 0 = no audits here', '3600000')
    .addHelpText('after', '\nEXIT STATUS\n  0 stopped by SIGINT/SIGTERM, 2 usage or system error')
    .action(
      run(async (ctx, opts: { host: string; port: string; maxBytes: string; idleTimeout: string; concurrency: string; drop?: string; auditCheck: string }) =>
        withArchive(ctx, async (archive) => {
          const { DEFAULT_AGREEMENT, DropFolder, SubmissionService } = await import('@bevara/ingest');
          const { BevaraError } = await import('@bevara/storage');
          const { createApp } = await import('../serve/app.ts');
          const { AuditSchedule, loggerFrom, metricsMiddleware } = await import('../serve/operations.ts');
          const { createServer } = await import('node:http');
          const num = (v: string, name: string) => {
            const n = Number(v);
            if (!Number.isInteger(n) || n < 0) throw new BevaraError('C-001', `--${name} must be a non-negative integer`);
            return n;
          };
          const log = (entry: Record<string, unknown>) => ctx.io.err(JSON.stringify({ time: new Date().toISOString(), ...entry }));
          const auditCheck = num(opts.auditCheck, 'audit-check');
          const service = new SubmissionService(archive, { maxBytes: num(opts.maxBytes, 'max-bytes'), idleTimeoutMs: num(opts.idleTimeout, 'idle-timeout'), concurrency: Math.max(1, num(opts.concurrency, 'concurrency')) }, log);
          const drop = opts.drop ? new DropFolder(opts.drop, { submitter: { name: 'drop-folder', agreement: DEFAULT_AGREEMENT }, ingest: (f, s) => archive.ingestMetrics.observe(service.ingestFile(f, s)), log }) : undefined;
          // First what may refuse the start (a folder another process watches, I-030; a port in use): nothing has
          // begun yet that closing the archive would cut short.
          await drop?.start();
          const server = createServer(createApp({ submissions: service, log, access: { archive }, metrics: metricsMiddleware(archive) }).callback());
          server.requestTimeout = 0; // uploads may be large; the spooler enforces an idle timeout instead
          let audits: InstanceType<typeof AuditSchedule> | undefined;
          let resuming: NodeJS.Timeout | undefined;
          try {
            const port = num(opts.port, 'port');
            await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, opts.host, resolve)).catch((e: unknown) => {
              // a port in use or not ours to take: the operator's to mend, not a defect
              throw new BevaraError('C-006', `cannot listen on ${opts.host}:${port}: ${(e as Error).message}`, { host: opts.host, port }, { cause: e });
            });
            const addr = server.address();
            log({ level: 'info', msg: 'listening', address: typeof addr === 'object' && addr ? `${addr.address}:${addr.port}` : String(addr) });
            service.resume();
            // and again now and then: what a server that stopped after this one started left undecided
            resuming = setInterval(() => service.resume(), RESUME_EVERY_MS);
            resuming.unref();
            audits = auditCheck > 0 ? new AuditSchedule(archive, { checkEveryMs: auditCheck, logger: loggerFrom(log) }) : undefined;
            audits?.start();
            await new Promise<void>((resolve) => { process.once('SIGINT', resolve); process.once('SIGTERM', resolve); });
          } finally {
            clearInterval(resuming);
            if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
            await drop?.stop();
            await audits?.stop();
            await service.idle();
          }
          return 0;
        }),
      ),
    );
};

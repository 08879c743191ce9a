import type { Register } from '../main.ts';
import { withArchive } from '../context.ts';
import { jsonLine } from '../output/io.ts';

export const register: Register = (program, run) => {
  const cmd = program.command('tokens').description('bearer tokens for the submission API (stored hashed)');
  cmd
    .command('create')
    .description('create a bearer token for a submitter under an agreement and print it once')
    .option('--submitter <name>', 'the business system or person the token stands for')
    .option('--archivist <name>', 'instead: a token for an archivist (the disclosure API), not for submitting')
    .option('--agreement <id>', 'submission agreement the token submits under', 'default')
    .option('--webhook <url>', 'called (POST, JSON) with the outcome of each submission')
    .option('--json', 'print {"token","id","submitter","agreement"}')
    .addHelpText('after', '\nThe token is printed once; only its SHA-256 is kept.\n\nEXIT STATUS\n  0 created, 2 usage or system error (I-017 unknown agreement)')
    .action(
      run(async (ctx, opts: { submitter?: string; archivist?: string; agreement: string; webhook?: string }) =>
        withArchive(ctx, async (archive) => {
          const { BevaraError } = await import('@bevara/storage');
          if ((opts.submitter === undefined) === (opts.archivist === undefined)) throw new BevaraError('C-001', 'give either --submitter NAME or --archivist NAME');
          if (opts.archivist !== undefined) {
            const { createArchivistToken } = await import('@bevara/access');
            const { token, record } = await createArchivistToken(archive, opts.archivist, process.env.USER ?? 'cli');
            ctx.io.out(ctx.io.json ? jsonLine({ token, id: record.id, archivist: record.archivist }) : token);
            return 0;
          }
          const { SubmissionRegistry } = await import('@bevara/ingest');
          const { token, record } = await SubmissionRegistry.open(archive).createToken(
            { submitter: opts.submitter!, agreement: opts.agreement, ...(opts.webhook ? { webhook: opts.webhook } : {}) },
            process.env.USER ?? 'cli',
          );
          ctx.io.out(ctx.io.json ? jsonLine({ token, id: record.id, submitter: record.submitter, agreement: record.agreement }) : token);
          return 0;
        }),
      ),
    );
};

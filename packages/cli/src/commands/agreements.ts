import type { Register } from '../main.ts';
import { withArchive } from '../context.ts';
import { jsonLine } from '../output/io.ts';

export const register: Register = (program, run) => {
  const cmd = program.command('agreements').description('submission agreements (leveransöverenskommelser)');
  cmd
    .command('add')
    .description('add a submission agreement (audit-logged)')
    .argument('<id>', 'agreement id (letters, digits, ".", "_", "-")')
    .requiredOption('--name <name>', 'human-readable name')
    .option('--reference <text>', 'what packages cite as metsHdr/altRecordID TYPE="SUBMISSIONAGREEMENT"; others are refused (I-027)')
    .option('--strict-formats', 'reject packages with files outside the format policy (default: warn)')
    .option('--allow-updates', 'archive the same OBJID with other content as a new AIP version (default: refuse, I-016)')
    .option('--json', 'print the agreement as one JSON object')
    .addHelpText('after', '\nEXIT STATUS\n  0 added, 2 usage or system error (I-024 exists already)')
    .action(
      run(async (ctx, id: string, opts: { name: string; reference?: string; strictFormats?: boolean; allowUpdates?: boolean }) =>
        withArchive(ctx, async (archive) => {
          const { SubmissionRegistry } = await import('@bevara/ingest');
          const a = await SubmissionRegistry.open(archive).addAgreement({ id, name: opts.name, ...(opts.reference !== undefined ? { reference: opts.reference } : {}), strictFormats: !!opts.strictFormats, allowUpdates: !!opts.allowUpdates }, process.env.USER ?? 'cli');
          ctx.io.out(ctx.io.json ? jsonLine(a) : `added agreement ${a.id}`);
          return 0;
        }),
      ),
    );
  cmd
    .command('list')
    .description('the submission agreements, the embedded default first')
    .option('--json', 'one JSON object per agreement per line')
    .addHelpText('after', '\nEXIT STATUS\n  0 listed, 2 usage or system error')
    .action(
      run(async (ctx) =>
        withArchive(ctx, async (archive) => {
          const { SubmissionRegistry } = await import('@bevara/ingest');
          for (const a of SubmissionRegistry.open(archive).agreements()) {
            ctx.io.out(ctx.io.json ? jsonLine(a) : `${a.id}\t${a.name}${a.reference ? `\treference=${a.reference}` : ''}${a.strictFormats ? '\tstrict-formats' : ''}${a.allowUpdates ? '\tallow-updates' : ''}`);
          }
          return 0;
        }),
      ),
    );
};

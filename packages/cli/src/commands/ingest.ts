import type { Register } from '../main.ts';
import { withArchive } from '../context.ts';
import { jsonLine } from '../output/io.ts';

export const register: Register = (program, run) => {
  program
    .command('ingest')
    .argument('<package...>', 'SIPs: folders, zip or tar files')
    .description('validate packages and archive the valid ones as signed AIPs, each with a signed receipt')
    .option('--agreement <id>', 'submission agreement', 'default')
    .option('--submitter <name>', 'who submits (a PREMIS agent, the receipt)', process.env.USER ?? 'cli')
    .option('--delivery-id <id>', "the submitter's identifier of this delivery")
    .option('--json', 'one JSON object per package per line: {"package","outcome","aip","version","receipt","results"}')
    .addHelpText('after', '\nEXIT STATUS\n  0 every package was archived, 1 some package was rejected, 2 usage or system error')
    .action(
      run(async (ctx, packages: string[], opts: { agreement: string; submitter: string; deliveryId?: string }) =>
        withArchive(ctx, async (archive) => {
          const { ingestPackage, SubmissionRegistry } = await import('@bevara/ingest');
          const agreement = SubmissionRegistry.open(archive).agreement(opts.agreement);
          let rejected = 0;
          for (const pkg of packages) {
            const bar = ctx.io.progress(pkg);
            const result = await ingestPackage(archive, pkg, {
              agreement, submitter: opts.submitter, ...(opts.deliveryId ? { deliveryId: opts.deliveryId } : {}),
              progress: (d, t, what) => bar.update(d, t, what),
            }).finally(() => bar.stop());
            if (result.outcome !== 'archived') rejected++;
            if (ctx.io.json) {
              ctx.io.out(jsonLine({ package: pkg, outcome: result.outcome, aip: result.aip ?? null, version: result.version ?? null, receipt: result.receipt.receipt, results: result.report.results }));
              continue;
            }
            const failed = result.receipt.receipt.failedRules;
            ctx.io.out(result.outcome === 'archived'
              ? `archived ${pkg} as ${result.aip} ${result.version}${result.repeated ? ' (decided before)' : ''}`
              : `REJECTED ${pkg}: ${failed.join(', ')}${result.repeated ? ' (decided before)' : ''}`);
          }
          return rejected > 0 ? 1 : 0;
        }),
      ),
    );
};

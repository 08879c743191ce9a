import type { Register } from '../main.ts';
import { jsonLine } from '../output/io.ts';

export const register: Register = (program, run) => {
  program
    .command('validate')
    .argument('<package...>', 'SIPs: folders, zip or tar files')
    .description('validate submission packages (E-ARK CSIP/SIP, FGS 1.2) without archiving them')
    .option('--json', 'one JSON object per package per line: {"package","profile","valid","results":[{"id","level","status","message","location"}]}')
    .addHelpText('after', '\nEXIT STATUS\n  0 every package is valid, 1 some package is invalid or refused, 2 usage or system error')
    .action(
      run(async (ctx, packages: string[]) => {
        const { IngestError, validatePackage, formatReportText } = await import('@bevara/ingest');
        let invalid = 0;
        for (const pkg of packages) {
          const bar = ctx.io.progress(pkg);
          let report;
          try {
            report = await validatePackage(pkg, { progress: (d, t) => bar.update(d, t) });
          } catch (e) {
            // A container refused outright (exit 1 in the ingest table) is an invalid package, reported by its code.
            if (!(e instanceof IngestError) || e.code === 'I-001' || e.code === 'I-012' || e.code === 'I-015') throw e;
            report = { package: pkg, profile: 'unknown', valid: false, results: [{ id: e.code, level: 'MUST' as const, status: 'failed' as const, message: e.message }] };
          } finally {
            bar.stop();
          }
          if (!report.valid) invalid++;
          ctx.io.out(ctx.io.json ? jsonLine(report) : formatReportText(report));
        }
        return invalid > 0 ? 1 : 0;
      }),
    );
};

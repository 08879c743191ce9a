import type { Register } from '../main.ts';
import { withArchive } from '../context.ts';
import { formatBytes, jsonLine } from '../output/io.ts';

export const register: Register = (program, run) => {
  program
    .command('audit')
    .description('re-hash every copy of every AIP against its signed inventory, check signatures and the audit log; resumes an interrupted audit')
    .option('--store <name>', 'audit only this store\'s copies')
    .option('--repair', 'rewrite a bad or missing copy from a good one (recorded in the audit log and as PREMIS events in a new AIP version)')
    .option('--due', 'audit only if some store\'s last complete audit is older than the policy\'s cycle')
    .option('--json', 'JSON lines: {"type":"store",...report} per store, {"type":"log",...}, then {"type":"summary","ok","unrepaired"}')
    .addHelpText('after', '\nEXIT STATUS\n  0 every copy is good (or was repaired with --repair), 1 a copy is bad and not repaired, or the audit log is broken, 2 error (S-028: another process is auditing)')
    .action(
      run(async (ctx, opts: { store?: string; repair?: boolean; due?: boolean }) =>
        withArchive(ctx, async (archive) => {
          if (opts.due && archive.auditDue().length === 0) {
            ctx.io.out(ctx.io.json ? jsonLine({ type: 'summary', ok: true, skipped: 'not due' }) : 'no store is due for an audit');
            return 0;
          }
          const bar = ctx.io.progress('audit');
          const report = await archive.auditCopies({
            ...(opts.store ? { store: opts.store } : {}),
            repair: opts.repair === true,
            progress: (done, total, what) => bar.update(done, total, what),
          });
          bar.stop();
          if (ctx.io.json) {
            for (const s of report.stores) ctx.io.out(jsonLine({ type: 'store', ...s }));
            ctx.io.out(jsonLine({ type: 'log', ...report.log }));
            ctx.io.out(jsonLine({ type: 'summary', run: report.run, resumed: report.resumed, ok: report.ok, unrepaired: report.unrepaired, byGoodCopies: report.byGoodCopies }));
          } else {
            if (report.resumed) ctx.io.out(`resumed audit ${report.run}`);
            for (const s of report.stores) {
              ctx.io.out(`${s.failed === s.repaired ? 'ok  ' : 'FAIL'} store ${s.store}: ${s.copies} copies, ${s.good} good, ${s.failed} bad, ${s.repaired} repaired, ${formatBytes(s.bytes)} read`);
              for (const f of s.findings) ctx.io.out(`     ${f.code} ${f.aip} ${f.path ?? ''}: ${f.message}`);
            }
            ctx.io.out(`${report.log.ok ? 'ok  ' : 'FAIL'} audit log: ${report.log.entries} entries`);
            ctx.io.out(`copies known good per AIP: ${describeGoodCopies(report.byGoodCopies)}`);
            for (const p of report.log.problems) ctx.io.out(`     ${p}`);
            for (const id of report.unrepaired) ctx.io.out(`NO GOOD COPY LEFT: ${id}`);
          }
          if (report.unrepaired.length > 0) ctx.io.err(`bevara: ${report.unrepaired.length} AIP(s) have no good copy in any store`);
          return report.ok ? 0 : 1;
        }),
      ),
    );
};

/** "2 copies: 10 AIPs, 1 copy: 2 AIPs", most copies first; a copy counts only when an audit checked it. */
function describeGoodCopies(byGoodCopies: Record<string, number>): string {
  const parts = Object.entries(byGoodCopies)
    .sort(([a], [b]) => Number(b) - Number(a))
    .map(([copies, aips]) => `${copies} ${copies === '1' ? 'copy' : 'copies'}: ${aips} AIP${aips === 1 ? '' : 's'}`);
  return parts.length > 0 ? parts.join(', ') : 'no AIPs';
}

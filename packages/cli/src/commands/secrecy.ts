import os from 'node:os';
import type { Register } from '../main.ts';
import { withArchive } from '../context.ts';
import { jsonLine } from '../output/io.ts';

export const register: Register = (program, run) => {
  const secrecy = program.command('secrecy').description('secrecy of records: what lapses next, and archivists\' decisions');

  secrecy
    .command('due')
    .description('withheld records that become public on a known day, soonest first')
    .option('--all', 'also records that never become public on their own (no stated maximum, or awaiting review)')
    .option('--limit <n>', 'at most this many records')
    .option('--json', 'one JSON object per record per line')
    .addHelpText('after', '\nEXIT STATUS\n  0 listed, 2 usage or system error')
    .action(
      run(async (ctx, opts: { all?: boolean; limit?: string }) =>
        withArchive(ctx, async (archive) => {
          const { secrecyDue } = await import('@bevara/access');
          const { BevaraError } = await import('@bevara/storage');
          if (opts.limit !== undefined && !/^\d+$/.test(opts.limit)) throw new BevaraError('C-001', '--limit must be a whole number');
          const due = secrecyDue(archive.catalog.db, new Date(), { includeNever: opts.all === true, ...(opts.limit ? { limit: Number(opts.limit) } : {}) });
          if (ctx.io.json) {
            for (const d of due) ctx.io.out(jsonLine(d));
            return 0;
          }
          if (due.length === 0) ctx.io.out('No withheld record becomes public on a known day.');
          for (const d of due) {
            const when = d.publicFrom === 'never' ? (d.pendingReview ? 'review  ' : 'never   ') : d.publicFrom;
            // Each marking with the day it runs from, as in the JSON: the start date it states, else the record's date.
            const markings = d.markings.map((m) => `${m.ground ?? '(no ground)'} from ${m.from ?? "the record's date"}`);
            ctx.io.out(`${when}  ${d.objectId}  ${markings.join('; ')}  [${d.id}]`);
          }
          return 0;
        }),
      ),
    );

  const decide = (action: 'set' | 'clear') =>
    run(async (ctx, record: string, opts: { ground?: string; from?: string; reason: string; by?: string }) =>
      withArchive(ctx, async (archive) => {
        const by = opts.by ?? process.env.BEVARA_USER ?? os.userInfo().username;
        const { decideSecrecy } = await import('@bevara/access');
        const outcome = await decideSecrecy(archive, {
          record,
          action,
          reason: opts.reason,
          by,
          ...(opts.ground !== undefined ? { ground: opts.ground } : {}),
          ...(opts.from !== undefined ? { from: opts.from } : {}),
        });
        if (ctx.io.json) ctx.io.out(jsonLine(outcome));
        else {
          const state = outcome.publicFrom === '0000-01-01' ? 'public' : outcome.publicFrom === 'never' ? 'withheld (no end)' : `withheld until ${outcome.publicFrom}`;
          ctx.io.out(`${outcome.objectId}: ${action === 'set' ? `secrecy set under ${outcome.ground}` : 'secrecy cleared'}; now ${state}. AIP ${outcome.aipId} ${outcome.version}.`);
        }
        return 0;
      }),
    );

  secrecy
    .command('set')
    .argument('<record>', 'the record id (r…) or its diarienummer-based object id')
    .description('withhold a record under a legal ground (a new AIP version with a PREMIS event, and an audit-log entry)')
    .requiredOption('--ground <ground>', 'the OSL provision, e.g. "OSL 26 kap. 1 §"')
    .requiredOption('--reason <text>', 'why (kept in the AIP and the audit log)')
    .option('--from <yyyy-mm-dd>', 'the day the secrecy runs from (default: the record\'s date)')
    .option('--by <name>', 'the archivist deciding (default: $BEVARA_USER or the login name)')
    .option('--json', 'the outcome as one JSON object')
    .addHelpText('after', '\nEXIT STATUS\n  0 decided, 2 usage or system error (A-001 no such record, A-005 bad ground, A-006 ambiguous)')
    .action(decide('set'));

  secrecy
    .command('clear')
    .argument('<record>', 'the record id (r…) or its diarienummer-based object id')
    .description('release a record: its markings no longer apply (a new AIP version with a PREMIS event, and an audit-log entry)')
    .requiredOption('--reason <text>', 'why (kept in the AIP and the audit log)')
    .option('--by <name>', 'the archivist deciding (default: $BEVARA_USER or the login name)')
    .option('--json', 'the outcome as one JSON object')
    .addHelpText('after', '\nEXIT STATUS\n  0 decided, 2 usage or system error (A-001 no such record, A-006 ambiguous)')
    .action(decide('clear'));
};

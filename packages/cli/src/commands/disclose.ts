import os from 'node:os';
import path from 'node:path';
import type { Register } from '../main.ts';
import { withArchive } from '../context.ts';
import { jsonLine } from '../output/io.ts';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];
const archivistName = (by: string | undefined): string => by ?? process.env.BEVARA_USER ?? os.userInfo().username;

export const register: Register = (program, run) => {
  const disclose = program.command('disclose').description('requests for disclosure (utlämnande): register, review, decide, deliver a DIP');

  disclose
    .command('request')
    .argument('<record...>', 'record ids (r…) or ERMS object ids ("SN 2022/0187-1")')
    .description('register a request; its reference number is printed on the last line')
    .option('--name <name>', 'the requester\'s name (optional)')
    .option('--contact <address>', 'where to send the answer (optional)')
    .option('--message <text>', 'what the requester wrote (optional)')
    .option('--by <name>', 'the archivist registering it (default: $BEVARA_USER or the login name)')
    .option('--json', 'print {"reference"}')
    .addHelpText('after', '\nEXIT STATUS\n  0 registered, 2 usage or system error (A-001 no such record, A-006 ambiguous object id, A-101 bad input)')
    .action(
      run(async (ctx, records: string[], opts: { name?: string; contact?: string; message?: string; by?: string }) =>
        withArchive(ctx, async (archive) => {
          const { registerRequest } = await import('@bevara/access');
          const request = await registerRequest(archive, {
            records, channel: 'archivist', by: archivistName(opts.by),
            ...(opts.name !== undefined ? { name: opts.name } : {}),
            ...(opts.contact !== undefined ? { contact: opts.contact } : {}),
            ...(opts.message !== undefined ? { message: opts.message } : {}),
          });
          if (ctx.io.json) ctx.io.out(jsonLine({ reference: request.reference }));
          else {
            ctx.io.out(`Registered a request for ${request.records.map((r) => r.objectId).join(', ')}.`);
            ctx.io.out(request.reference);
          }
          return 0;
        }),
      ),
    );

  disclose
    .command('list')
    .description('every request, oldest first')
    .option('--json', 'one JSON object per request per line')
    .addHelpText('after', '\nEXIT STATUS\n  0 listed, 2 usage or system error')
    .action(
      run(async (ctx) =>
        withArchive(ctx, async (archive) => {
          const { listRequests, summaryOf } = await import('@bevara/access');
          const requests = listRequests(archive).map(summaryOf);
          if (ctx.io.json) for (const r of requests) ctx.io.out(jsonLine(r));
          else if (requests.length === 0) ctx.io.out('No requests.');
          else for (const r of requests) ctx.io.out(`${r.reference}  ${r.receivedAt.slice(0, 10)}  ${r.status.padEnd(9)}  ${r.channel.padEnd(9)}  ${r.records.join(', ')}`);
          return 0;
        }),
      ),
    );

  disclose
    .command('show')
    .argument('<ref>', 'the reference number, e.g. U-2026-0001')
    .description('review a request: its records, their documents and markings, and what the secrecy table says (an audit-log entry)')
    .option('--by <name>', 'the archivist reviewing (default: $BEVARA_USER or the login name)')
    .option('--json', 'the request as one JSON object')
    .addHelpText('after', '\nEXIT STATUS\n  0 shown, 2 usage or system error (A-102 no such request)')
    .action(
      run(async (ctx, ref: string, opts: { by?: string }) =>
        withArchive(ctx, async (archive) => {
          const { reviewRequest } = await import('@bevara/access');
          const view = await reviewRequest(archive, ref, archivistName(opts.by));
          if (ctx.io.json) {
            ctx.io.out(jsonLine(view));
            return 0;
          }
          ctx.io.out(`${view.reference}  received ${view.receivedAt} (${view.channel})  ${view.status}`);
          if (view.requester.name || view.requester.contact) ctx.io.out(`Requester: ${[view.requester.name, view.requester.contact].filter(Boolean).join(', ')}`);
          if (view.message) ctx.io.out(`Message: ${view.message}`);
          for (const r of view.records) {
            ctx.io.out('');
            ctx.io.out(`${r.objectId}  [${r.id}]  ${r.title ?? ''}`);
            ctx.io.out(`  ${r.recordType ?? ''} ${r.date ?? ''}, ${r.organisation ?? ''}; ${r.publicFrom === '0000-01-01' ? 'public' : r.publicFrom === 'never' ? 'withheld (no end)' : `withheld until ${r.publicFrom}`}`);
            for (const m of r.markings) ctx.io.out(`  marking (${m.origin}): ${m.ground ?? '(no ground)'}${m.pendingReview ? ', awaiting review' : ''}${m.until ? `, until ${m.until}` : ''}: ${m.reason}`);
            for (const s of r.secrecyTable) ctx.io.out(`  secrecy table (${s.on}): ${s.status} ${s.provision ?? '(no provision)'}${s.explanatoryText ? `: ${s.explanatoryText}` : ''}`);
            for (const d of r.documents) ctx.io.out(`  document ${d.id}  ${d.path}  ${d.mimeType}  ${d.size} B`);
          }
          if (view.decision) ctx.io.out(`\nDecided ${view.decision.decidedAt} by ${view.decision.decidedBy}; kept in ${Object.entries(view.decision.versions).map(([a, v]) => `${a} ${v}`).join(', ')}`);
          return 0;
        }),
      ),
    );

  disclose
    .command('decide')
    .argument('<ref>', 'the reference number')
    .description('decide every document of the request: released, masked or refused (a new version of each AIP concerned, and an audit-log entry)')
    .option('--release <doc>', 'release a document in full (file id f… or its path in the package); repeatable', collect)
    .option('--mask <doc:part>', 'withhold part of a document: "DOC:page 2", "DOC:pages 1-3,5" or "DOC:title"; repeatable', collect)
    .option('--refuse <doc>', 'withhold a document in full; repeatable', collect)
    .option('--ground <provision>', 'the provision of each withholding that does not end in "=GROUND", e.g. "OSL 26 kap. 1 §"')
    .option('--reasons <text>', 'the reasons (FL 32 §); by default each provision and what it protects')
    .option('--by <name>', 'the archivist deciding (default: $BEVARA_USER or the login name)')
    .option('--json', 'the decision as one JSON object')
    .addHelpText('after', '\nEXIT STATUS\n  0 decided, 2 usage or system error (A-103 undecided document or bad ground/part, A-109 cannot mask, A-110 decided already)')
    .action(
      run(async (ctx, ref: string, opts: { release?: string[]; mask?: string[]; refuse?: string[]; ground?: string; reasons?: string; by?: string }) =>
        withArchive(ctx, async (archive) => {
          const { decideRequest } = await import('@bevara/access');
          const outcome = await decideRequest(archive, {
            reference: ref, release: opts.release ?? [], mask: opts.mask ?? [], refuse: opts.refuse ?? [], by: archivistName(opts.by),
            ...(opts.ground !== undefined ? { ground: opts.ground } : {}),
            ...(opts.reasons !== undefined ? { reasons: opts.reasons } : {}),
          });
          if (ctx.io.json) ctx.io.out(jsonLine({ reference: outcome.reference, versions: outcome.versions, decision: outcome.decision }));
          else {
            for (const d of outcome.decision.documents) ctx.io.out(`${d.outcome.padEnd(7)}  ${d.document}  ${d.record}: ${d.name}${d.ground ? `  (${d.ground})` : ''}${d.withheld ? `  (${d.withheld.map((w) => `${w.field ?? `pages ${w.pages!.join(',')}`} ${w.ground}`).join('; ')})` : ''}`);
            ctx.io.out(`Decision ${outcome.reference} kept in ${Object.entries(outcome.versions).map(([a, v]) => `${a} ${v}`).join(', ')}.`);
          }
          return 0;
        }),
      ),
    );

  disclose
    .command('dip')
    .argument('<ref>', 'the reference number')
    .argument('<out>', 'the zip file to write (must not exist)')
    .description('write the DIP (E-ARK, zip) of what the decision released, with the decision document (an audit-log entry)')
    .option('--by <name>', 'the archivist delivering (default: $BEVARA_USER or the login name)')
    .option('--json', 'print {"reference","out","objid","sha256","files"}')
    .addHelpText('after', '\nEXIT STATUS\n  0 written, 2 usage or system error (A-102 no such request, A-107 not decided yet)')
    .action(
      run(async (ctx, ref: string, out: string, opts: { by?: string }) =>
        withArchive(ctx, async (archive) => {
          const { buildDip } = await import('@bevara/access');
          const result = await buildDip(archive, ref, path.resolve(out), archivistName(opts.by));
          if (ctx.io.json) ctx.io.out(jsonLine(result));
          else ctx.io.out(`Wrote ${result.out}: ${result.files.length} files, SHA-256 ${result.sha256}.`);
          return 0;
        }),
      ),
    );
};

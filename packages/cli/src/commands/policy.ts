import type { Register } from '../main.ts';
import { withArchive } from '../context.ts';
import { jsonLine } from '../output/io.ts';

export const register: Register = (program, run) => {
  const policy = program.command('policy').description('how many stores hold every AIP, and how often copies are audited');

  policy
    .command('set')
    .description('change the policy (audit-logged); a raised copy count is filled by `bevara audit --repair`')
    .option('--copies <n>', 'how many stores hold every AIP: the first N stores of `bevara store list`')
    .option('--audit-cycle-days <n>', 'every copy is audited at least once in this many days')
    .option('--audit-rate <bytes>', 'read rate limit of audits, bytes per second')
    .option('--json', 'the new policy as one JSON object')
    .addHelpText('after', '\nEXIT STATUS\n  0 changed, 2 usage error or a policy the stores cannot meet (S-006)')
    .action(
      run(async (ctx, opts: { copies?: string; auditCycleDays?: string; auditRate?: string }) => {
        const { BevaraError } = await import('@bevara/storage');
        const whole = (v: string | undefined, what: string): number | undefined => {
          if (v === undefined) return undefined;
          if (!/^[1-9][0-9]*$/.test(v)) throw new BevaraError('C-001', `${what} must be a whole number`);
          return Number(v);
        };
        const copies = whole(opts.copies, '--copies');
        const cycleDays = whole(opts.auditCycleDays, '--audit-cycle-days');
        const rate = whole(opts.auditRate, '--audit-rate');
        if (copies === undefined && cycleDays === undefined && rate === undefined) {
          throw new BevaraError('C-001', 'give --copies, --audit-cycle-days or --audit-rate');
        }
        return withArchive(ctx, async (archive) => {
          const current = archive.config.policy;
          const audit = cycleDays !== undefined || rate !== undefined
            ? { cycleDays: cycleDays ?? current.audit?.cycleDays ?? 90, ...(rate ?? current.audit?.bytesPerSecond ? { bytesPerSecond: rate ?? current.audit?.bytesPerSecond } : {}) }
            : undefined;
          const next = await archive.setPolicy({ ...(copies !== undefined ? { copies } : {}), ...(audit ? { audit: audit as { cycleDays: number; bytesPerSecond?: number } } : {}) });
          ctx.io.out(ctx.io.json ? jsonLine(next) : `policy: ${next.copies} copies${next.audit ? `, audit every ${next.audit.cycleDays} days${next.audit.bytesPerSecond ? ` at most ${next.audit.bytesPerSecond} bytes/s` : ''}` : ''}`);
          return 0;
        });
      }),
    );

  policy
    .command('show')
    .description('the current policy')
    .option('--json', 'one JSON object {"copies","audit"}')
    .action(
      run(async (ctx) =>
        withArchive(ctx, async (archive) => {
          const p = archive.config.policy;
          ctx.io.out(ctx.io.json ? jsonLine(p) : `${p.copies} copies; audit cycle ${p.audit?.cycleDays ?? 90} days`);
          return 0;
        }),
      ),
    );
};

import type { StoreConfig } from '@bevara/storage';
import type { Register } from '../main.ts';
import { withArchive } from '../context.ts';
import { jsonLine } from '../output/io.ts';

export const register: Register = (program, run) => {
  const store = program.command('store').description('the stores that hold copies of the archive (the first is primary)');

  store
    .command('add')
    .argument('<name>', 'short name: [a-z0-9][a-z0-9_-]*')
    .description('add a store at the end of the list; count it with `bevara policy set --copies N`, fill it with `bevara audit --repair`')
    .requiredOption('--type <type>', 'local or s3')
    .option('--path <dir>', 'local: the folder (made if absent; must be empty)')
    .option('--endpoint <url>', 's3: http(s)://host:port')
    .option('--bucket <name>', 's3: the bucket')
    .option('--prefix <prefix>', 's3: key prefix inside the bucket')
    .option('--region <region>', 's3: region (default us-east-1)')
    .option('--object-lock <mode>', 's3: compliance or governance; the bucket must have Object Lock with this default retention')
    .option('--retain-days <n>', 's3: default retention in days, with --object-lock')
    .option('--create', 's3: create the bucket (with Object Lock and default retention when --object-lock is given)')
    .option('--json', 'the added store as one JSON object')
    .addHelpText(
      'after',
      '\nS3 credentials come from BEVARA_S3_ACCESS_KEY/BEVARA_S3_SECRET_KEY (or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY); they are not written to the config.\n\nEXIT STATUS\n  0 added, 2 usage error, store unreachable or not as configured (S-021: bucket without the promised Object Lock)',
    )
    .action(
      run(async (ctx, name: string, opts: Record<string, string | boolean | undefined>) =>
        withArchive(ctx, async (archive) => {
          const config = await storeConfigFrom(name, opts);
          await archive.addStore(config, { create: config.type === 'local' || opts.create === true });
          const row = { name, type: config.type, copies: archive.config.policy.copies, stores: archive.config.stores.length };
          ctx.io.out(
            ctx.io.json
              ? jsonLine(row)
              : `store ${name} added (${archive.config.stores.length} stores, policy: ${archive.config.policy.copies} copies); ` +
                  `to hold copies, run: bevara policy set --copies ${archive.config.stores.length} && bevara audit --repair`,
          );
          return 0;
        }),
      ),
    );

  store
    .command('list')
    .description('the configured stores, the primary first, and whether the policy counts them')
    .option('--json', 'one JSON object per store: {"name","type","primary","required",...location}')
    .addHelpText('after', '\nEXIT STATUS\n  0 listed, 2 error')
    .action(
      run(async (ctx) =>
        withArchive(ctx, async (archive) => {
          for (const [i, s] of archive.config.stores.entries()) {
            const row = { ...describe(s), primary: i === 0, required: i < archive.config.policy.copies };
            if (ctx.io.json) ctx.io.out(jsonLine(row));
            else ctx.io.out(`${row.primary ? '*' : ' '} ${s.name.padEnd(16)} ${s.type.padEnd(5)} ${row.required ? 'required' : 'spare   '} ${location(s)}`);
          }
          return 0;
        }),
      ),
    );

  store
    .command('hold')
    .argument('<aip>', 'the AIP id')
    .description('set or lift an S3 legal hold on every object of an AIP in the locked S3 stores')
    .option('--on', 'set the hold')
    .option('--off', 'lift the hold')
    .option('--json', 'one JSON object per store: {"store","objects"}')
    .addHelpText('after', '\nEXIT STATUS\n  0 done, 2 usage error or store error')
    .action(
      run(async (ctx, id: string, opts: { on?: boolean; off?: boolean }) => {
        const { BevaraError } = await import('@bevara/storage');
        if (opts.on === opts.off) throw new BevaraError('C-001', 'give exactly one of --on and --off');
        return withArchive(ctx, async (archive) => {
          const held = await archive.setLegalHold(id, opts.on === true);
          for (const h of held) ctx.io.out(ctx.io.json ? jsonLine(h) : `${opts.on ? 'held' : 'released'} ${h.objects} objects in store ${h.store}`);
          if (!ctx.io.json && held.length === 0) ctx.io.out('no required store has Object Lock; nothing to hold');
          return 0;
        });
      }),
    );
};

async function storeConfigFrom(name: string, o: Record<string, string | boolean | undefined>): Promise<StoreConfig> {
  const { BevaraError } = await import('@bevara/storage');
  const str = (k: string): string | undefined => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
  if (o.type === 'local') {
    const p = str('path');
    if (!p) throw new BevaraError('C-001', 'a local store needs --path DIR');
    return { name, type: 'local', path: p };
  }
  if (o.type !== 's3') throw new BevaraError('C-001', '--type must be local or s3');
  const endpoint = str('endpoint');
  const bucket = str('bucket');
  if (!endpoint || !bucket) throw new BevaraError('C-001', 'an s3 store needs --endpoint URL and --bucket NAME');
  const mode = str('objectLock');
  const days = str('retainDays');
  if ((mode === undefined) !== (days === undefined)) throw new BevaraError('C-001', '--object-lock and --retain-days go together');
  if (mode !== undefined && mode !== 'compliance' && mode !== 'governance') throw new BevaraError('C-001', '--object-lock must be compliance or governance');
  if (days !== undefined && !/^[1-9][0-9]*$/.test(days)) throw new BevaraError('C-001', '--retain-days must be a whole number of days');
  return {
    name,
    type: 's3',
    endpoint,
    bucket,
    ...(str('prefix') ? { prefix: str('prefix') } : {}),
    ...(str('region') ? { region: str('region') } : {}),
    ...(mode ? { objectLock: { mode, retainDays: Number(days) } } : {}),
  };
}

function describe(s: StoreConfig): Record<string, unknown> {
  if (s.type === 'local') return { name: s.name, type: s.type, path: s.path };
  return { name: s.name, type: s.type, endpoint: s.endpoint, bucket: s.bucket, prefix: s.prefix ?? '', objectLock: s.objectLock ?? null };
}

function location(s: StoreConfig): string {
  if (s.type === 'local') return s.path;
  return `${s.endpoint}/${s.bucket}${s.prefix ? `/${s.prefix}` : ''}${s.objectLock ? ` (object lock ${s.objectLock.mode}, ${s.objectLock.retainDays} days)` : ''}`;
}

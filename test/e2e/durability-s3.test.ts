/**
 * Issue 8 on a real S3 server: a private Ceph RGW (its gateway is stopped and started, so it cannot be
 * the shared one). A locked S3 store as the second required copy: writes land there and cannot be
 * deleted; a gateway that stops mid-write and comes back costs a retry, not the AIP; a bucket that is
 * not locked as configured stops the archive at start (S-021).
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Archive } from '@bevara/storage';
import { bevaraIn, jsonLines } from '../support/cli.ts';
import { rgwInstalled, startGateway, startRgw, stopGateway, type RgwCluster } from '../support/rgw.ts';
import { createSampleAip, sampleFiles, tempDir } from './support/archive.ts';

// minio is the storage package's dependency, not the root's: resolve it from there
// (its types too, so the few calls used here are declared below)
interface Client {
  listObjects(bucket: string, prefix: string, recursive: boolean, options: { IncludeVersion: boolean }): AsyncIterable<unknown>;
  getObjectRetention(bucket: string, name: string, options: { versionId: string }): Promise<unknown>;
  removeObject(bucket: string, name: string, options: { versionId: string; governanceBypass?: boolean }): Promise<void>;
  putObject(bucket: string, name: string, data: Buffer): Promise<unknown>;
  getObject(bucket: string, name: string, options: { versionId: string }): Promise<AsyncIterable<Buffer>>;
  getObjectLegalHold(bucket: string, name: string): Promise<unknown>;
  makeBucket(bucket: string, region: string): Promise<void>;
}
const { Client } = (await import(createRequire(new URL('../../packages/storage/package.json', import.meta.url)).resolve('minio'))) as {
  Client: new (options: Record<string, unknown>) => Client;
};

describe.skipIf(!rgwInstalled())('durability on a locked S3 store (private Ceph RGW)', () => {
  let rgw: RgwCluster;
  let base: string;
  let dir: string;
  let env: Record<string, string>;
  const bucket = `dur-${randomUUID().slice(0, 12)}`;

  const client = (): Client => {
    const url = new URL(rgw.endpoint);
    return new Client({ endPoint: url.hostname, port: Number(url.port), useSSL: false, accessKey: rgw.accessKey, secretKey: rgw.secretKey, region: rgw.region, pathStyle: true });
  };

  beforeAll(async () => {
    rgw = await startRgw();
    env = { BEVARA_S3_ACCESS_KEY: rgw.accessKey, BEVARA_S3_SECRET_KEY: rgw.secretKey };
    base = tempDir('durability-s3');
    dir = path.join(base, 'archive');
    expect((await bevaraIn(dir, ['init'])).code).toBe(0);
    const add = await bevaraIn(
      dir,
      ['store', 'add', 'worm', '--type', 's3', '--endpoint', rgw.endpoint, '--bucket', bucket, '--object-lock', 'compliance', '--retain-days', '1', '--create'],
      { env },
    );
    expect(add.code, add.stderr).toBe(0);
    expect((await bevaraIn(dir, ['policy', 'set', '--copies', '2'], { env })).code).toBe(0);
  });
  afterAll(async () => {
    await rgw?.stop();
    if (base) fs.rmSync(base, { recursive: true, force: true });
  });

  it('an AIP is written to the locked bucket too, and its object versions cannot be deleted or overwritten there', async () => {
    process.env.BEVARA_S3_ACCESS_KEY = rgw.accessKey;
    process.env.BEVARA_S3_SECRET_KEY = rgw.secretKey;
    const archive = await Archive.open(dir);
    let id: string;
    try {
      id = (await createSampleAip(archive, 'locked', sampleFiles('locked', 2))).id;
    } finally {
      await archive.close();
    }
    const c = client();
    const root = (jsonLines((await bevaraIn(dir, ['show', id, '--json'], { env })).stdout)[0] as { objectRoot: string }).objectRoot;
    const versions: { name: string; versionId: string }[] = [];
    for await (const v of c.listObjects(bucket, `${root}/`, true, { IncludeVersion: true })) versions.push(v as { name: string; versionId: string });
    const inv = versions.find((v) => v.name === `${root}/inventory.json`)!;
    expect(inv.versionId).toBeTruthy();
    const retention = await c.getObjectRetention(bucket, inv.name, { versionId: inv.versionId });
    expect(retention).toMatchObject({ mode: 'COMPLIANCE' });
    await expect(c.removeObject(bucket, inv.name, { versionId: inv.versionId })).rejects.toThrow();
    await expect(c.removeObject(bucket, inv.name, { versionId: inv.versionId, governanceBypass: true })).rejects.toThrow();
    // an overwrite only adds a version; the locked one keeps its bytes
    await c.putObject(bucket, inv.name, Buffer.from('overwritten'));
    const old: Buffer[] = [];
    for await (const chunk of await c.getObject(bucket, inv.name, { versionId: inv.versionId })) old.push(chunk as Buffer);
    expect(JSON.parse(Buffer.concat(old).toString('utf8')).id).toBe(id);

    // the audit sees the overwritten current object and repairs it from the primary
    const audit = await bevaraIn(dir, ['audit', '--repair', '--json'], { env });
    expect(audit.code, audit.stdout + audit.stderr).toBe(0);
    const worm = jsonLines(audit.stdout).find((l) => l.type === 'store' && l.store === 'worm')!;
    expect(worm).toMatchObject({ failed: 1, repaired: 1 });

    const hold = await bevaraIn(dir, ['store', 'hold', id, '--on', '--json'], { env });
    expect(hold.code, hold.stderr).toBe(0);
    expect(jsonLines(hold.stdout)[0]).toMatchObject({ store: 'worm' });
    const held = await c.getObjectLegalHold(bucket, `${root}/0=ocfl_object_1.1`);
    expect(JSON.stringify(held)).toMatch(/ON/);
    expect((await bevaraIn(dir, ['store', 'hold', id, '--off'], { env })).code).toBe(0);
  });

  it('the gateway stops in the middle of a write and comes back: the write retries and the AIP is whole everywhere', async () => {
    const archive = await Archive.open(dir, { retry: { attempts: 8, baseDelayMs: 500 } });
    try {
      await stopGateway(rgw);
      const restart = new Promise<void>((resolve, reject) => setTimeout(() => startGateway(rgw).then(resolve, reject), 2000));
      const aip = await createSampleAip(archive, 'outage', sampleFiles('outage', 3));
      await restart;
      const verify = await archive.verify([aip.id]);
      expect(verify[0]!.findings).toEqual([]);
    } finally {
      await archive.close();
    }
    const audit = await bevaraIn(dir, ['audit', '--json'], { env });
    expect(audit.code, audit.stdout).toBe(0);
  });

  it('a gateway that stays down fails the write cleanly: nothing archived, nothing left in either store', async () => {
    const archive = await Archive.open(dir, { retry: { attempts: 2, baseDelayMs: 100 } });
    const before = archive.list().length;
    await stopGateway(rgw);
    try {
      await expect(createSampleAip(archive, 'down', sampleFiles('down', 2))).rejects.toMatchObject({ code: 'S-003' });
      expect(archive.list()).toHaveLength(before);
    } finally {
      await startGateway(rgw);
      await archive.close();
    }
    // the next start settles whatever the failed write could not take back from the store that was down
    const reopened = await Archive.open(dir);
    try {
      expect(reopened.list()).toHaveLength(before);
      for (const s of reopened.requiredStores) {
        const roots: string[] = [];
        for await (const k of s.list('')) if (k.endsWith('/inventory.json') && k.split('/').length === 5) roots.push(k);
        expect(roots, s.name).toHaveLength(before);
      }
    } finally {
      await reopened.close();
    }
  });

  it('refuses to start when the bucket is not locked as the config says (S-021)', async () => {
    const plain = `plain-${randomUUID().slice(0, 12)}`;
    await client().makeBucket(plain, rgw.region);
    const other = path.join(base, 'other');
    expect((await bevaraIn(other, ['init'])).code).toBe(0);
    const config = JSON.parse(fs.readFileSync(path.join(other, 'bevara.json'), 'utf8')) as { stores: unknown[] };
    config.stores.push({ name: 'fake', type: 's3', endpoint: rgw.endpoint, bucket: plain, objectLock: { mode: 'compliance', retainDays: 1 } });
    fs.writeFileSync(path.join(other, 'bevara.json'), JSON.stringify(config));
    const r = await bevaraIn(other, ['list', '--json'], { env });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stderr.trim().split('\n').at(-1)!)).toMatchObject({ code: 'S-021' });
  });
});

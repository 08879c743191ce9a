import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { Client } from 'minio';
import { describe, expect, inject, it } from 'vitest';
import { blobStoreContract, collect, expectCode, readAll } from '../testing/contract.ts';
import { createS3Bucket } from './s3-bucket.ts';
import type { S3BlobStoreConfig } from './s3-config.ts';
import { S3BlobStore, SHA256_METADATA } from './s3.ts';

const s3 = inject('s3');

/** A config for a fresh bucket on the per-run test server; each test gets its own bucket. */
function freshConfig(extra: Partial<S3BlobStoreConfig> = {}): S3BlobStoreConfig {
  if (!s3) throw new Error('no S3 test server');
  return {
    name: 's3-test',
    endpoint: s3.endpoint,
    bucket: `t-${randomUUID().slice(0, 18)}`,
    accessKey: s3.accessKey,
    secretKey: s3.secretKey,
    region: s3.region,
    // the smallest part S3 allows, so the 20 MB object goes up in several parts
    partSize: 5 * 1024 * 1024,
    ...extra,
  };
}

function rawClient(): Client {
  if (!s3) throw new Error('no S3 test server');
  const url = new URL(s3.endpoint);
  return new Client({
    endPoint: url.hostname,
    port: Number(url.port),
    useSSL: false,
    accessKey: s3.accessKey,
    secretKey: s3.secretKey,
    region: s3.region,
    pathStyle: true,
  });
}

describe.skipIf(!s3)(`S3BlobStore${s3 ? '' : ' (SKIPPED: radosgw is not installed; run `bash .ci/install-s3.sh`)'}`, () => {
  blobStoreContract(
    'S3 (Ceph RGW)',
    async () => {
      const config = freshConfig();
      await createS3Bucket(config);
      return new S3BlobStore(config);
    },
    // minio-js holds up to two parts (2 x 5 MiB) while it uploads, and a download's socket and parser buffers
    // reached 32 MiB once under load; the budget is still far below the object
    { memoryBudget: 48 * 1024 * 1024, bigObjectBytes: 160 * 1024 * 1024 },
  );

  blobStoreContract('S3 (Ceph RGW) under a key prefix', async () => {
    const config = freshConfig({ prefix: 'archive/one' });
    await createS3Bucket(config);
    return new S3BlobStore(config);
  }, { memoryBudget: 48 * 1024 * 1024, bigObjectBytes: 160 * 1024 * 1024 });

  it('stores the SHA-256 as x-amz-meta-sha256, also after a multipart upload', async () => {
    const config = freshConfig({ prefix: 'p/' });
    await createS3Bucket(config);
    const store = new S3BlobStore(config);
    try {
      const big = Buffer.alloc(12 * 1024 * 1024, 7);
      const result = await store.put('big', big);
      const info = await rawClient().statObject(config.bucket, 'p/big');
      expect(info.metaData[SHA256_METADATA.replace('x-amz-meta-', '')]).toBe(result.sha256);
      expect(info.etag).toMatch(/-3$/); // it really went up in three parts
      expect(await collect(store.list(''))).toEqual(['big']);
    } finally {
      await store.close();
    }
  });

  describe('object lock', () => {
    it('creates a locked bucket whose object versions cannot be deleted, and check() accepts it', async () => {
      const config = freshConfig({ objectLock: { mode: 'compliance', retainDays: 1 } });
      await createS3Bucket(config);
      const store = new S3BlobStore(config);
      try {
        await store.check();
        await store.put('aip/inventory.json', Buffer.from('{"locked":true}'));
        const client = rawClient();
        const info = await client.statObject(config.bucket, 'aip/inventory.json');
        expect(info.versionId).toBeTruthy();
        const retention = await client.getObjectRetention(config.bucket, 'aip/inventory.json', { versionId: info.versionId ?? '' });
        expect(retention?.mode).toBe('COMPLIANCE');
        // deleting the version itself is refused by the server, even with the bypass header
        await expect(client.removeObject(config.bucket, 'aip/inventory.json', { versionId: info.versionId ?? '' })).rejects.toThrow();
        await expect(
          client.removeObject(config.bucket, 'aip/inventory.json', { versionId: info.versionId ?? '', governanceBypass: true }),
        ).rejects.toThrow();
        // our delete only hides it behind a delete marker; the locked version is still there
        await store.delete('aip/inventory.json');
        expect(await store.stat('aip/inventory.json')).toBeNull();
        const old = await client.getObject(config.bucket, 'aip/inventory.json', { versionId: info.versionId ?? '' });
        expect((await readAll(old)).toString()).toBe('{"locked":true}');
      } finally {
        await store.close();
      }
    });

    it('a version locked for seconds cannot be deleted until the retention has passed', async () => {
      const config = freshConfig();
      const client = rawClient();
      await client.makeBucket(config.bucket, config.region, { ObjectLocking: true });
      const put = await client.putObject(config.bucket, 'short', Buffer.from('x'));
      const versionId = put.versionId ?? '';
      await client.putObjectRetention(config.bucket, 'short', {
        mode: 'COMPLIANCE',
        retainUntilDate: new Date(Date.now() + 2000).toISOString(),
        versionId,
      });
      await expect(client.removeObject(config.bucket, 'short', { versionId })).rejects.toThrow();
      await new Promise((resolve) => setTimeout(resolve, 3000));
      await client.removeObject(config.bucket, 'short', { versionId });
      await expect(client.statObject(config.bucket, 'short', { versionId })).rejects.toThrow();
    });

    it('check() refuses a bucket without object lock when the config promises one (S-021)', async () => {
      const plain = freshConfig();
      await createS3Bucket(plain);
      const store = new S3BlobStore({ ...plain, objectLock: { mode: 'compliance', retainDays: 1 } });
      try {
        await expectCode(store.check(), 'S-021');
        await expect(store.check()).rejects.toThrow(/versioning/);
      } finally {
        await store.close();
      }
    });

    it('check() refuses a locked bucket whose retention is shorter or of another mode (S-021)', async () => {
      const config = freshConfig();
      await createS3Bucket(config, { objectLock: { mode: 'governance', retainDays: 1 } });
      const wrongMode = new S3BlobStore({ ...config, objectLock: { mode: 'compliance', retainDays: 1 } });
      const tooShort = new S3BlobStore({ ...config, objectLock: { mode: 'governance', retainDays: 30 } });
      try {
        await expect(wrongMode.check()).rejects.toThrow(/mode is GOVERNANCE/);
        await expectCode(tooShort.check(), 'S-021');
      } finally {
        await wrongMode.close();
        await tooShort.close();
      }
    });

    it('check() refuses a bucket that does not exist (S-021)', async () => {
      const store = new S3BlobStore(freshConfig());
      try {
        await expectCode(store.check(), 'S-021');
      } finally {
        await store.close();
      }
    });

    it('createS3Bucket refuses an existing bucket (S-021)', async () => {
      const config = freshConfig();
      await createS3Bucket(config);
      await expectCode(createS3Bucket(config), 'S-021');
    });
  });

  describe('failures', () => {
    it('an unreachable endpoint gives S-003 naming the endpoint', async () => {
      const port = await closedPort();
      const store = new S3BlobStore(freshConfig({ endpoint: `http://127.0.0.1:${port}` }));
      try {
        await expectCode(store.check(), 'S-003');
        await expect(store.check()).rejects.toThrow(`127.0.0.1:${port}`);
        await expectCode(store.put('a', Buffer.from('x')), 'S-003');
        await expectCode(store.get('a'), 'S-003');
        await expectCode(store.stat('a'), 'S-003');
        await expectCode(collect(store.list('')), 'S-003');
        await expectCode(store.delete('a'), 'S-003');
      } finally {
        await store.close();
      }
    });

    it('wrong credentials give S-021', async () => {
      const config = freshConfig();
      await createS3Bucket(config);
      const store = new S3BlobStore({ ...config, secretKey: 'wrong' });
      try {
        await expectCode(store.check(), 'S-021');
      } finally {
        await store.close();
      }
    });

    it('a malformed config or missing credentials give S-006 before any request', () => {
      const base = freshConfig();
      const env = { ...process.env };
      for (const bad of [
        { endpoint: 'not a url' },
        { endpoint: 'ftp://127.0.0.1:1' },
        { endpoint: 'http://127.0.0.1:1/bucket' },
        { bucket: 'Bad_Bucket' },
        { prefix: '../x' },
        { partSize: 1024 },
        { objectLock: { mode: 'compliance' as const, retainDays: 0 } },
      ]) {
        expect(() => new S3BlobStore({ ...base, ...bad }), JSON.stringify(bad)).toThrow(expect.objectContaining({ code: 'S-006' }));
      }
      try {
        for (const name of ['BEVARA_S3_ACCESS_KEY', 'BEVARA_S3_SECRET_KEY', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) delete process.env[name];
        const { accessKey: _a, secretKey: _s, ...noKeys } = base;
        expect(() => new S3BlobStore(noKeys)).toThrow(expect.objectContaining({ code: 'S-006' }));
        process.env.BEVARA_S3_ACCESS_KEY = base.accessKey;
        process.env.BEVARA_S3_SECRET_KEY = base.secretKey;
        expect(new S3BlobStore(noKeys).name).toBe('s3-test');
      } finally {
        process.env = env;
      }
    });
  });
});

/** A loopback port with nobody listening (connections are refused at once). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

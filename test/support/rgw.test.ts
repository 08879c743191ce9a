// The harness's gateway restart, which fault tests use ("the S3 gateway stops in the middle of
// an ingest and comes back"). It runs on a private cluster: stopping the shared one would break
// the other test files running in parallel.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createS3Bucket } from '../../packages/storage/src/blobstore/s3-bucket.ts';
import type { S3BlobStoreConfig } from '../../packages/storage/src/blobstore/s3-config.ts';
import { S3BlobStore } from '../../packages/storage/src/blobstore/s3.ts';
import { expectCode, readAll } from '../../packages/storage/src/testing/contract.ts';
import { startGateway, startRgw, stopGateway, type RgwCluster } from './rgw.ts';

const available = inject('s3') !== null;

describe.skipIf(!available)(`RGW test harness${available ? '' : ' (SKIPPED: radosgw is not installed; run `bash .ci/install-s3.sh`)'}`, () => {
  let cluster: RgwCluster;
  beforeAll(async () => {
    cluster = await startRgw();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('stops and restarts only the gateway; the data survives', async () => {
    const config: S3BlobStoreConfig = {
      name: 'restart',
      endpoint: cluster.endpoint,
      bucket: `t-${randomUUID().slice(0, 18)}`,
      accessKey: cluster.accessKey,
      secretKey: cluster.secretKey,
    };
    await createS3Bucket(config);
    const store = new S3BlobStore(config);
    try {
      await store.put('before', Buffer.from('kept'));
      await stopGateway(cluster);
      await expectCode(store.put('during', Buffer.from('x')), 'S-003');
      await expectCode(store.check(), 'S-003');
      await startGateway(cluster);
      await store.check();
      expect((await readAll(await store.get('before'))).toString()).toBe('kept');
      await store.put('after', Buffer.from('new'));
      expect(await store.stat('during')).toBeNull();
    } finally {
      await store.close();
    }
  });
});

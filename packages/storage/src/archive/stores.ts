import fs from 'node:fs';
import path from 'node:path';
import { LocalBlobStore } from '../blobstore/local.ts';
import type { BlobStore } from '../blobstore/store.ts';
import { StorageError } from '../errors.ts';
import type { StoreConfig } from './config.ts';

/**
 * The one place that turns a store's configuration into a BlobStore. The S3 client is loaded only
 * when an S3 store is configured: it costs a noticeable part of every CLI start otherwise.
 */
export async function openStore(config: StoreConfig, archiveDir: string): Promise<BlobStore> {
  if (config.type === 'local') {
    return new LocalBlobStore({ name: config.name, root: path.resolve(archiveDir, config.path) });
  }
  const { S3BlobStore } = await import('../blobstore/s3.ts');
  return new S3BlobStore(config);
}

/**
 * Makes the place a new store will live: an empty local folder, or an S3 bucket (with Object Lock and
 * a default retention when the config asks for it; S-021 when the bucket exists already).
 */
export async function createStoreLocation(config: StoreConfig, archiveDir: string): Promise<void> {
  if (config.type === 'local') {
    const dir = path.resolve(archiveDir, config.path);
    if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) {
      throw new StorageError('S-005', `store folder ${dir} is not empty; a new store starts empty`, { path: dir });
    }
    fs.mkdirSync(dir, { recursive: true });
    return;
  }
  const { createS3Bucket } = await import('../blobstore/s3-bucket.ts');
  await createS3Bucket(config);
}

/** Where a store lives, for lists and the audit log; never credentials. */
export function describeStore(config: StoreConfig): Record<string, string | number> {
  if (config.type === 'local') return { name: config.name, type: 'local', path: config.path };
  return {
    name: config.name,
    type: 's3',
    endpoint: config.endpoint,
    bucket: config.bucket,
    ...(config.prefix ? { prefix: config.prefix } : {}),
    ...(config.objectLock ? { objectLock: config.objectLock.mode, retainDays: config.objectLock.retainDays } : {}),
  };
}

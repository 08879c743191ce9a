/**
 * Bucket set-up and the check that a bucket really is WORM. S3 Object Lock is the one guard an
 * archive has against deletion through the S3 API, so Bevara refuses to trust a config that
 * claims it without the bucket confirming it.
 */
import type { Client } from 'minio';
import { StorageError } from '../errors.ts';
import { makeClient, resolveS3Config, type ResolvedS3Config, type S3BlobStoreConfig } from './s3-config.ts';
import { s3ErrorCode, toStorageError } from './s3-errors.ts';

/**
 * Creates the bucket. With `objectLock` it is made with Object Lock (which turns on versioning)
 * and a default retention, so every object version is locked the moment it is written (S3
 * clients cannot set lock headers on a PUT; the bucket default is applied atomically). Fails
 * with S-021 if the bucket exists; a bucket whose lock could not be set is removed again.
 */
export async function createS3Bucket(
  config: S3BlobStoreConfig,
  options: { objectLock?: S3BlobStoreConfig['objectLock'] } = {},
): Promise<void> {
  const resolved = resolveS3Config({ ...config, objectLock: options.objectLock ?? config.objectLock });
  const { client, agent } = makeClient(resolved);
  try {
    if (await client.bucketExists(resolved.bucket)) {
      throw new StorageError('S-021', `bucket ${resolved.bucket} already exists at ${resolved.endpoint.origin}`, {
        store: resolved.name,
        bucket: resolved.bucket,
      });
    }
    const lock = resolved.objectLock;
    await client.makeBucket(resolved.bucket, resolved.region, { ObjectLocking: lock !== undefined });
    if (lock) {
      try {
        await client.setObjectLockConfig(resolved.bucket, { mode: lock.mode, unit: 'Days', validity: lock.retainDays });
      } catch (e) {
        await client.removeBucket(resolved.bucket).catch(() => {});
        throw e;
      }
    }
  } catch (e) {
    throw toStorageError(e, resolved, 'creating bucket');
  } finally {
    agent.destroy();
  }
}

/** Throws S-021 unless the bucket has versioning, Object Lock and a default retention as configured. */
export async function verifyObjectLock(client: Client, config: ResolvedS3Config): Promise<void> {
  const wanted = config.objectLock;
  if (!wanted) return;
  const refuse = (why: string): StorageError =>
    new StorageError('S-021', `S3 store ${config.name}: bucket ${config.bucket} is configured as locked, but ${why}`, {
      store: config.name,
      bucket: config.bucket,
    });
  const versioning = await client.getBucketVersioning(config.bucket);
  if (versioning?.Status !== 'Enabled') throw refuse(`its versioning is ${versioning?.Status ?? 'off'}, not Enabled`);
  let lock: BucketLock;
  try {
    // the overloads of minio-js 8.0.7 resolve this call to `void`; the promise holds the config
    lock = await (client.getObjectLockConfig(config.bucket) as unknown as Promise<BucketLock>);
  } catch (e) {
    if (s3ErrorCode(e) === 'ObjectLockConfigurationNotFoundError') throw refuse('it has no Object Lock');
    throw e;
  }
  if (lock.objectLockEnabled !== 'Enabled') throw refuse('Object Lock is not enabled on it');
  if (!lock.mode) throw refuse('it has no default retention (objects would be written unlocked)');
  if (lock.mode !== wanted.mode) throw refuse(`its default retention mode is ${lock.mode}, not ${wanted.mode}`);
  const days = (lock.validity ?? 0) * (lock.unit === 'Years' ? 365 : 1);
  if (days < wanted.retainDays) throw refuse(`its default retention is ${days} days, less than ${wanted.retainDays}`);
}

/** What getObjectLockConfig returns; every field is absent on a bucket without a default. */
interface BucketLock {
  objectLockEnabled?: string;
  mode?: string;
  unit?: string;
  validity?: number;
}

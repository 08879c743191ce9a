/**
 * Legal holds on an AIP's objects in S3 stores with Object Lock. A hold keeps every current object
 * version of the AIP from deletion regardless of retention (for a court case or a disclosure dispute)
 * until it is lifted. The BlobStore interface knows nothing of holds, so this works from the store's
 * configuration with its own client; local stores have no such lock and are skipped.
 */
import type { S3StoreConfig } from '../archive/config.ts';
import type { BlobStore } from '../blobstore/store.ts';

export interface HeldStore {
  store: string;
  objects: number;
}

/** Sets (`on`) or lifts the hold on every object under `objectRoot` in one locked S3 store. */
export async function setLegalHold(config: S3StoreConfig, store: BlobStore, objectRoot: string, on: boolean): Promise<HeldStore> {
  // loaded here, not at the top: the S3 client costs every CLI start about a second otherwise
  const { makeClient, resolveS3Config } = await import('../blobstore/s3-config.ts');
  const { toStorageError } = await import('../blobstore/s3-errors.ts');
  const resolved = resolveS3Config(config);
  const { client, agent } = makeClient(resolved);
  let objects = 0;
  try {
    for await (const key of store.list(`${objectRoot}/`)) {
      await client.setObjectLegalHold(resolved.bucket, resolved.prefix + key, { status: on ? 'ON' : 'OFF' });
      objects++;
    }
  } catch (e) {
    throw toStorageError(e, resolved, on ? 'setting a legal hold on' : 'lifting the legal hold on', objectRoot);
  } finally {
    agent.destroy();
  }
  return { store: config.name, objects };
}

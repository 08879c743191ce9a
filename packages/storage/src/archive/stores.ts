import path from 'node:path';
import { LocalBlobStore } from '../blobstore/local.ts';
import type { BlobStore } from '../blobstore/store.ts';
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

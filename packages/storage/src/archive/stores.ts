import path from 'node:path';
import { LocalBlobStore } from '../blobstore/local.ts';
import { S3BlobStore } from '../blobstore/s3.ts';
import type { BlobStore } from '../blobstore/store.ts';
import type { StoreConfig } from './config.ts';

/** The one place that turns a store's configuration into a BlobStore. */
export function openStore(config: StoreConfig, archiveDir: string): BlobStore {
  if (config.type === 'local') {
    return new LocalBlobStore({ name: config.name, root: path.resolve(archiveDir, config.path) });
  }
  return new S3BlobStore(config);
}

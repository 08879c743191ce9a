import type { BlobStore } from '../blobstore/store.ts';
import { ROOT_NAMASTE } from '../ocfl/inventory.ts';
import { LAYOUT_CONFIG, LAYOUT_EXTENSION } from '../ocfl/layout.ts';
import { readSmallObject } from '../blobstore/small-read.ts';
import { StorageError } from '../errors.ts';
import { ROOT_EXTENSION_DIR } from './layout.ts';

const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v, null, 2) + '\n', 'utf8');

/**
 * Makes `store` an OCFL 1.1 storage root (spec §4): the declaration, the layout description and the
 * extension's config, and Bevara's description of itself so the archive explains itself without Bevara.
 */
export async function initStorageRoot(store: BlobStore, archive: { archiveId: string; created: string }, formatDoc: Buffer): Promise<void> {
  if (await store.stat(ROOT_NAMASTE)) {
    throw new StorageError('S-005', `store ${store.name} already holds an OCFL storage root`, { store: store.name });
  }
  await store.put('ocfl_layout.json', json({ extension: LAYOUT_EXTENSION, description: 'hashed n-tuple (sha256, 3×3), see extensions/0004-hashed-n-tuple-storage-layout/config.json' }));
  await store.put(`extensions/${LAYOUT_EXTENSION}/config.json`, json(LAYOUT_CONFIG));
  await store.put(`${ROOT_EXTENSION_DIR}/archive.json`, json({ format: 'bevara-archive/1', ...archive }));
  await store.put(`${ROOT_EXTENSION_DIR}/storage-format.md`, formatDoc);
  // The declaration last: a store is an OCFL root only once everything it promises is there.
  await store.put(ROOT_NAMASTE, Buffer.from('ocfl_1.1\n'));
}

export async function assertStorageRoot(store: BlobStore): Promise<void> {
  const st = await store.stat(ROOT_NAMASTE);
  if (!st) throw new StorageError('S-004', `store ${store.name} is not an OCFL storage root (no ${ROOT_NAMASTE})`, { store: store.name });
  const text = (await readSmallObject(store, ROOT_NAMASTE)).toString('utf8');
  if (text !== 'ocfl_1.1\n') throw new StorageError('S-004', `store ${store.name}: ${ROOT_NAMASTE} has unexpected content`, { store: store.name });
}

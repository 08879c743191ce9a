/**
 * Bringing one OCFL object on a store up to date from another store that holds a good copy. The
 * files go in the same write order as a new version (docs/storage-format.md W1–W5): each version's
 * content, its inventory and sidecar, its signature, the object declaration, and the root inventory
 * last, so the target never shows a version whose files it does not hold yet.
 */
import type { BlobStore, PutResult } from '../blobstore/store.ts';
import { StorageError } from '../errors.ts';
import { type Inventory, OBJECT_NAMASTE, sidecarFor, versionName, versionNumber } from '../ocfl/inventory.ts';
import { readSmallObject } from '../blobstore/small-read.ts';
import { SIGNATURE_DIR, rollbackVersion } from '../ocfl/transaction.ts';
import { copyObject, hashStored, withRetry, type RetryPolicy } from './copy.ts';

export interface ObjectKey {
  /** Relative to the object root. */
  path: string;
  /** The digest the inventory promises (content files only). */
  sha256?: string;
  version: string;
}

/** Every file of the object, in write order. */
export function objectKeys(inv: Inventory): ObjectKey[] {
  const keys: ObjectKey[] = [];
  const head = versionNumber(inv.head);
  const content = new Map<string, ObjectKey[]>();
  for (const [digest, paths] of Object.entries(inv.manifest)) {
    for (const p of paths) {
      const version = p.slice(0, p.indexOf('/'));
      const list = content.get(version) ?? [];
      list.push({ path: p, sha256: digest, version });
      content.set(version, list);
    }
  }
  for (let n = 1; n <= head; n++) {
    const v = versionName(n);
    keys.push(...(content.get(v) ?? []).sort((a, b) => (a.path < b.path ? -1 : 1)));
    keys.push({ path: `${v}/inventory.json`, version: v }, { path: `${v}/inventory.json.sha256`, version: v });
    keys.push({ path: `${SIGNATURE_DIR}/${v}.p7s`, version: v });
  }
  keys.push({ path: OBJECT_NAMASTE, version: 'v1' });
  keys.push({ path: 'inventory.json', version: inv.head }, { path: 'inventory.json.sha256', version: inv.head });
  return keys;
}

export interface SyncOptions {
  retry: RetryPolicy;
  /**
   * 'version': the files of `inv.head` are always copied, older files only when absent (a write).
   * 'repair': every file is hashed on the target and copied when absent or different.
   */
  mode: 'version' | 'repair';
}

/** Hashes a file on the source and checks it against the inventory; the source must be good. */
async function sourceDigest(from: BlobStore, root: string, key: ObjectKey, retry: RetryPolicy): Promise<PutResult> {
  const h = await withRetry(retry, () => hashStored(from, `${root}/${key.path}`));
  if (!h) throw new StorageError('S-001', `store ${from.name}: ${root}/${key.path} is missing`, { store: from.name, key: `${root}/${key.path}` });
  if (key.sha256 && h.sha256 !== key.sha256) {
    throw new StorageError('S-002', `store ${from.name}: ${root}/${key.path} does not match its inventory digest`, {
      store: from.name,
      key: `${root}/${key.path}`,
    });
  }
  return h;
}

/** Copies what `to` lacks (or holds wrongly) of the object at `root`; returns the paths copied. */
export async function syncObject(from: BlobStore, to: BlobStore, root: string, inv: Inventory, options: SyncOptions): Promise<string[]> {
  const copied: string[] = [];
  for (const key of objectKeys(inv)) {
    const full = `${root}/${key.path}`;
    const isNew = key.version === inv.head || key.path.startsWith('inventory.json');
    if (options.mode === 'version' && !isNew) {
      if (await withRetry(options.retry, () => to.stat(full))) continue;
    }
    const expected = await sourceDigest(from, root, key, options.retry);
    if (options.mode === 'repair') {
      const there = await withRetry(options.retry, () => hashStored(to, full));
      if (there && there.sha256 === expected.sha256 && there.size === expected.size) continue;
    }
    await withRetry(options.retry, () => copyObject(from, to, full, expected));
    copied.push(key.path);
  }
  return copied;
}

/**
 * Re-reads the new version's files on the store it was written to (the primary) before anything else;
 * `readAlready` names content the transaction read back while writing (ObjectTransaction.readBack()).
 */
export async function readBackVersion(store: BlobStore, root: string, inv: Inventory, retry: RetryPolicy, readAlready: ReadonlySet<string> = new Set()): Promise<void> {
  for (const key of objectKeys(inv)) {
    if (key.version !== inv.head && !key.path.startsWith('inventory.json')) continue;
    if (readAlready.has(key.path)) continue;
    await sourceDigest(store, root, key, retry);
  }
}

/**
 * Takes a store's copy of an object back to the version before `version`: the previous root
 * inventory is put back first (readers then stop seeing the version at once), then the version's
 * files go. For v1 the whole object goes, root inventory first.
 */
export async function revertVersion(store: BlobStore, root: string, version: number, previousRoot: Buffer | null): Promise<void> {
  if (!previousRoot) {
    await store.delete(`${root}/inventory.json`);
    await store.delete(`${root}/inventory.json.sha256`);
    await rollbackVersion(store, root, version);
    return;
  }
  const head = await headOf(store, root);
  if (head >= version) {
    await store.put(`${root}/inventory.json`, previousRoot);
    await store.put(`${root}/inventory.json.sha256`, sidecarFor('sha256', previousRoot));
  }
  await rollbackVersion(store, root, version);
}

/** The version number the store's root inventory shows; 0 when the object is absent or unreadable. */
export async function headOf(store: BlobStore, root: string): Promise<number> {
  if (!(await store.stat(`${root}/inventory.json`))) return 0;
  try {
    const parsed = JSON.parse((await readSmallObject(store, `${root}/inventory.json`)).toString('utf8')) as { head?: string };
    return parsed.head ? versionNumber(parsed.head) : 0;
  } catch {
    return 0;
  }
}

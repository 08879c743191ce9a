/**
 * The copies policy at write time: a version counts as archived only when every store the policy
 * requires holds it and has given it back byte for byte. Otherwise the version is taken back out
 * of every store, the primary first (readers read the primary), so no store keeps a version the
 * archive never reported.
 */
import type { BlobStore } from '../blobstore/store.ts';
import { StorageError } from '../errors.ts';
import type { Inventory } from '../ocfl/inventory.ts';
import { readSmallObject } from '../blobstore/small-read.ts';
import { rollbackVersion } from '../ocfl/transaction.ts';
import type { RetryPolicy } from './copy.ts';
import { headOf, readBackVersion, revertVersion, syncObject } from './object-copy.ts';

export interface ReplicaSet {
  /** The first store: writes start here and reads come from here. */
  primary: BlobStore;
  /** The other stores the policy requires, in config order. */
  replicas: readonly BlobStore[];
  retry: RetryPolicy;
}

/**
 * Reads the new version back on the primary (but for the content the transaction read back while
 * writing, `readAlready`), then copies it to each replica and reads it back there.
 */
export async function replicateVersion(set: ReplicaSet, root: string, inv: Inventory, readAlready?: ReadonlySet<string>): Promise<void> {
  await readBackVersion(set.primary, root, inv, set.retry, readAlready);
  for (const replica of set.replicas) {
    await syncObject(set.primary, replica, root, inv, { mode: 'version', retry: set.retry });
  }
}

/** The previous version's root inventory, or null when `version` is v1. */
export async function previousRootOf(store: BlobStore, root: string, version: number): Promise<Buffer | null> {
  if (version <= 1) return null;
  const key = `${root}/v${version - 1}/inventory.json`;
  return readSmallObject(store, key);
}

/**
 * Takes `version` out of every store. Throws S-003 naming the stores that could not be reverted
 * (they are retried at the next start, from the journal entry the caller keeps).
 */
export async function revertEverywhere(set: ReplicaSet, root: string, version: number, previousRoot: Buffer | null): Promise<void> {
  const failed: string[] = [];
  for (const store of [set.primary, ...set.replicas]) {
    try {
      await revertVersion(store, root, version, previousRoot);
    } catch {
      failed.push(store.name);
    }
  }
  if (failed.length > 0) {
    throw new StorageError('S-003', `could not take back the unfinished version v${version} of ${root} from ${failed.join(', ')}; it is retried at the next start`, {
      stores: failed.join(','),
      version,
    });
  }
}

/**
 * After a crash: a version that the primary committed and every replica holds is kept; anything less
 * is taken back out of every store. Returns what happened, for the audit log.
 */
export async function settleInterruptedVersion(set: ReplicaSet, root: string, version: number): Promise<'committed' | 'rolled-back'> {
  const previousRoot = await previousRootOf(set.primary, root, version);
  if ((await rollbackVersion(set.primary, root, version)) === 'committed') {
    let everywhere = true;
    for (const replica of set.replicas) if ((await headOf(replica, root)) < version) everywhere = false;
    if (everywhere) return 'committed';
  }
  await revertEverywhere(set, root, version, previousRoot);
  return 'rolled-back';
}

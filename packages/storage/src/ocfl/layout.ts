import { createHash } from 'node:crypto';

/**
 * Storage layout extension 0004-hashed-n-tuple-storage-layout with its defaults: the object's id is
 * hashed with sha256 and the hex digest split into three 3-character tuples, then the whole digest.
 * Any OCFL tool that knows the extension finds an object from its id; no lookup table is needed.
 */
export const LAYOUT_EXTENSION = '0004-hashed-n-tuple-storage-layout';

export const LAYOUT_CONFIG = {
  extensionName: LAYOUT_EXTENSION,
  digestAlgorithm: 'sha256',
  tupleSize: 3,
  numberOfTuples: 3,
  shortObjectRoot: false,
} as const;

export function objectRootFor(id: string): string {
  const h = createHash('sha256').update(id, 'utf8').digest('hex');
  return `${h.slice(0, 3)}/${h.slice(3, 6)}/${h.slice(6, 9)}/${h}`;
}

/** Folders from the storage root down to an object root, the object root included (three tuples and the digest). */
export const OBJECT_ROOT_DEPTH = 4;

const OBJECT_INVENTORY = /^([0-9a-f]{3})\/([0-9a-f]{3})\/([0-9a-f]{3})\/([0-9a-f]{64})\/inventory\.json$/;

/** The object root of a key that is an object's root inventory, or null. */
export function objectRootOfInventoryKey(key: string): string | null {
  const m = OBJECT_INVENTORY.exec(key);
  if (!m) return null;
  const [, a, b, c, h] = m;
  if (!h || h.slice(0, 3) !== a || h.slice(3, 6) !== b || h.slice(6, 9) !== c) return null;
  return `${a}/${b}/${c}/${h}`;
}

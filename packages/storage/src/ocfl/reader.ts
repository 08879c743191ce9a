import type { Readable } from 'node:stream';
import type { BlobStore } from '../blobstore/store.ts';
import { absentAsNull, StorageError } from '../errors.ts';
import { type Inventory, parseInventory, versionState } from './inventory.ts';
import { OBJECT_ROOT_DEPTH, objectRootFor, objectRootOfInventoryKey } from './layout.ts';
import { readSmallObject } from '../blobstore/small-read.ts';

const TUPLE_FOLDER = /^[0-9a-f]{3}\/$/;

/**
 * Path-to-digest maps already built, keyed by a version's state record. Callers read many files of one
 * inventory (the catalog indexes every document of an AIP); rebuilding the map on each open made that
 * quadratic. Keying on the state record itself means a different or replaced inventory is never served
 * a stale map, and the WeakMap lets the map go with its inventory.
 */
const stateMaps = new WeakMap<object, Map<string, string>>();

function pathDigests(inv: Inventory, version: string): Map<string, string> {
  const state = inv.versions[version]?.state;
  const cached = state && stateMaps.get(state);
  if (cached) return cached;
  const built = versionState(inv, version); // throws S-011 for a version the inventory lacks
  if (state) stateMaps.set(state, built);
  return built;
}

/** Object roots of inventories read from, kept with the inventory: each is a SHA-256 of the id (~5 µs a file read). */
const objectRoots = new WeakMap<Inventory, string>();

/** The store key of a logical file of a version: S-001 when the version has no such file. */
function contentKey(inv: Inventory, logicalPath: string, version: string): string {
  const digest = pathDigests(inv, version).get(logicalPath);
  if (!digest) throw new StorageError('S-001', `${inv.id} ${version} has no file ${logicalPath}`, { path: logicalPath });
  const contentPath = inv.manifest[digest]?.[0];
  if (!contentPath) throw new StorageError('S-011', `${inv.id}: digest ${digest} not in manifest`);
  let root = objectRoots.get(inv);
  if (root === undefined) objectRoots.set(inv, (root = objectRootFor(inv.id)));
  return `${root}/${contentPath}`;
}

/** Read access to OCFL objects in one store. Only committed state is visible: it starts at the root inventory. */
export class ObjectReader {
  constructor(private readonly store: BlobStore) {}

  async inventory(objectId: string): Promise<Inventory | null> {
    return this.inventoryAt(objectRootFor(objectId));
  }

  async inventoryAt(objectRoot: string): Promise<Inventory | null> {
    const key = `${objectRoot}/inventory.json`;
    const bytes = await absentAsNull(readSmallObject(this.store, key));
    return bytes ? parseInventory(bytes, key) : null;
  }

  /** Streams one logical file of a version (the head by default). */
  async open(inv: Inventory, logicalPath: string, version = inv.head): Promise<Readable> {
    return this.store.get(contentKey(inv, logicalPath, version));
  }

  /**
   * One logical file whole, for files that are small (METS, PREMIS, documents read for their text); S-026 when it
   * is larger than `limit`. Read in one call where the store has one (BlobStore.readSmall), not through a stream.
   */
  async readSmall(inv: Inventory, logicalPath: string, version = inv.head, limit?: number): Promise<Buffer> {
    return readSmallObject(this.store, contentKey(inv, logicalPath, version), limit);
  }

  /**
   * Every object root in the store, in sorted order, found by its root inventory (the layout extension
   * makes them findable). A store that lists folders is walked only down to the object roots: nothing
   * inside an object is listed.
   */
  async *objectRoots(): AsyncIterable<string> {
    if (!this.store.children) {
      for await (const key of this.store.list('')) {
        const root = objectRootOfInventoryKey(key);
        if (root) yield root;
      }
      return;
    }
    const children = this.store.children.bind(this.store);
    const walk = async function* (prefix: string, depth: number): AsyncGenerator<string> {
      for (const name of await children(prefix)) {
        if (!name.endsWith('/')) continue;
        if (depth < OBJECT_ROOT_DEPTH) {
          if (!TUPLE_FOLDER.test(name)) continue; // extensions/ and anything else that is not a tuple
          yield* walk(`${prefix}${name}`, depth + 1);
          continue;
        }
        const inventory = `${prefix}${name}inventory.json`;
        if (objectRootOfInventoryKey(inventory) && (await children(`${prefix}${name}`)).includes('inventory.json')) yield `${prefix}${name.slice(0, -1)}`;
      }
    };
    yield* walk('', 1);
  }
}

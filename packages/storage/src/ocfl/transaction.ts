import type { Readable } from 'node:stream';
import { readSmallObject } from '../blobstore/small-read.ts';
import type { BlobStore, PutResult } from '../blobstore/store.ts';
import { StorageError } from '../errors.ts';
import { readBack } from '../replication/copy.ts';
import { ReadBehind } from '../replication/read-behind.ts';
import type { Signer } from '../signing/signer.ts';
import {
  INVENTORY_TYPE,
  OBJECT_NAMASTE,
  type Inventory,
  isSafeRelativePath,
  serializeInventory,
  sidecarFor,
  versionName,
  versionNumber,
  versionState,
} from './inventory.ts';

export const SIGNATURE_DIR = 'extensions/bevara-signatures';

export interface StateEntry {
  digest: string;
  size: number;
}

export interface CommitInfo {
  message: string;
  user: { name: string; address?: string };
  created?: Date;
}

/**
 * Records, outside the store, that a version is being written, so that a crash can be undone on the
 * next start. It is written durably before the first byte of the version and removed after the commit.
 */
export interface Journal {
  begin(entry: { objectRoot: string; objectId: string; version: number }): Promise<string>;
  end(token: string): Promise<void>;
}

/**
 * Writes one new OCFL version of one object. Write order (docs/storage-format.md, W1–W5):
 * content files, then the version inventory and its sidecar, then the version's signature, then (v1)
 * the object declaration, and last the root inventory — the commit point. Until the root inventory is
 * replaced, readers see the previous version and nothing of this one.
 */
export class ObjectTransaction {
  private readonly state: Map<string, StateEntry>;
  private readonly manifest: Map<string, string[]>;
  private readonly newContent = new Map<string, string>(); // digest → content path written in this version
  private readonly putPaths = new Set<string>(); // every logical path put in this version, taken before its first byte
  private readonly readBehind: ReadBehind;
  private finished = false;

  private constructor(
    private readonly store: BlobStore,
    readonly objectId: string,
    readonly objectRoot: string,
    private readonly previous: Inventory | null,
    private readonly journal: Journal,
    private readonly token: string,
    readonly version: number,
    previousState: Map<string, StateEntry>,
  ) {
    this.state = previousState;
    this.readBehind = new ReadBehind(store);
    this.manifest = new Map(Object.entries(previous?.manifest ?? {}).map(([d, p]) => [d, [...p]]));
  }

  static async begin(
    store: BlobStore,
    objectId: string,
    objectRoot: string,
    previous: Inventory | null,
    journal: Journal,
    sizes: (contentPath: string) => Promise<number>,
  ): Promise<ObjectTransaction> {
    if (previous && previous.digestAlgorithm !== 'sha256') {
      throw new StorageError('S-011', `object ${objectId} uses ${previous.digestAlgorithm}; Bevara only adds versions to sha256 objects`);
    }
    const version = previous ? versionNumber(previous.head) + 1 : 1;
    const state = new Map<string, StateEntry>();
    if (previous) {
      for (const [path, digest] of versionState(previous)) {
        const contentPath = previous.manifest[digest]?.[0];
        if (!contentPath) throw new StorageError('S-011', `${objectId}: digest ${digest} missing from manifest`);
        state.set(path, { digest, size: await sizes(contentPath) });
      }
    }
    const token = await journal.begin({ objectRoot, objectId, version });
    return new ObjectTransaction(store, objectId, objectRoot, previous, journal, token, version, state);
  }

  /**
   * Adds or replaces a logical path. The bytes are hashed while they are written (one pass), or their digest is
   * `claimed` by the caller who hashed them already; new content is then read back from the store while the
   * version goes on (commit() waits for it). A path already put in this version is refused with S-014 before
   * anything is written: both puts would write the one content path, and the first one's content, no longer
   * referenced at the commit, would be deleted from under the second.
   */
  async put(logicalPath: string, source: Readable | Buffer, expected?: { size?: number; sha256?: string }, claimed?: () => PutResult): Promise<StateEntry> {
    this.assertOpen();
    if (!isSafeRelativePath(logicalPath)) throw new StorageError('S-014', `invalid logical path: ${logicalPath}`, { path: logicalPath });
    // taken synchronously, so that puts running at once cannot both pass
    if (this.putPaths.has(logicalPath)) throw new StorageError('S-014', `${logicalPath} is put twice in one version of ${this.objectId}`, { path: logicalPath });
    this.putPaths.add(logicalPath);
    if (expected?.sha256 && this.manifest.has(expected.sha256) && expected.size !== undefined) {
      // Already stored in this object: OCFL deduplicates by digest. Drain the stream so the caller's pipeline ends.
      if (!Buffer.isBuffer(source)) for await (const _ of source) void _;
      const entry = { digest: expected.sha256, size: expected.size };
      this.state.set(logicalPath, entry);
      return entry;
    }
    const contentPath = `${versionName(this.version)}/content/${logicalPath}`;
    const key = `${this.objectRoot}/${contentPath}`;
    // no reader looks into this version before the commit, and recovery removes it after a crash (W6); each
    // logical path is put once, so its content path is written for the first time and may be written in place
    const written = await this.store.put(key, source, { durability: 'deferred', readBack: true, unpublished: true, ...(expected ? { expected } : {}), ...(claimed ? { claimed } : {}) });
    const entry = { digest: written.sha256, size: written.size };
    if (this.manifest.has(written.sha256)) {
      // the path will name content already stored: only once the new bytes are seen to be that content
      if (!written.reread) await readBack(this.store, key, written);
      await this.store.delete(key);
    } else {
      this.manifest.set(written.sha256, [contentPath]);
      this.newContent.set(written.sha256, contentPath);
      // a store that read the file back while writing it (written.reread) needs no second pass
      await this.readBehind.start(key, written);
    }
    this.state.set(logicalPath, entry);
    return entry;
  }

  remove(logicalPath: string): void {
    this.assertOpen();
    if (!this.state.delete(logicalPath)) throw new StorageError('S-001', `${this.objectId} has no file ${logicalPath}`, { path: logicalPath });
  }

  /** The logical state the version will have. */
  files(): ReadonlyMap<string, StateEntry> {
    return this.state;
  }

  /** Content paths (relative to the object root) that were read back whole and as written. */
  readBack(): ReadonlySet<string> {
    const prefix = `${this.objectRoot}/`;
    return new Set([...this.readBehind.verified].map((key) => key.slice(prefix.length)));
  }

  async commit(info: CommitInfo, signer: Signer): Promise<Inventory> {
    this.assertOpen();
    const vName = versionName(this.version);
    const stateByDigest: Record<string, string[]> = {};
    for (const [path, { digest }] of [...this.state].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      (stateByDigest[digest] ??= []).push(path);
    }
    // Content that no version refers to any more must not stay in the manifest (OCFL E107).
    const referenced = new Set(Object.keys(stateByDigest));
    for (const v of Object.values(this.previous?.versions ?? {})) for (const d of Object.keys(v.state)) referenced.add(d);
    // A read-back still running must not meet a deleted file.
    if ([...this.newContent.keys()].some((d) => !referenced.has(d))) await this.readBehind.settled();
    for (const [digest, contentPath] of this.newContent) {
      if (!referenced.has(digest)) {
        await this.store.delete(`${this.objectRoot}/${contentPath}`);
        this.manifest.delete(digest);
      }
    }
    const inventory: Inventory = {
      id: this.objectId,
      type: INVENTORY_TYPE,
      digestAlgorithm: 'sha256',
      head: vName,
      contentDirectory: 'content',
      manifest: Object.fromEntries(this.manifest),
      versions: {
        ...(this.previous?.versions ?? {}),
        [vName]: {
          created: (info.created ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          message: info.message,
          user: info.user,
          state: stateByDigest,
        },
      },
    };
    if (this.previous?.fixity) inventory.fixity = this.previous.fixity;
    const bytes = serializeInventory(inventory);
    const sidecar = sidecarFor('sha256', bytes);
    const root = this.objectRoot;
    // W1 ends here: the content is durable, and was read back, before anything that names it is written.
    const [flushed, readBack] = await Promise.allSettled([this.store.flush(), this.readBehind.all()]);
    if (flushed.status === 'rejected') throw flushed.reason;
    if (readBack.status === 'rejected') throw readBack.reason;
    await this.store.put(`${root}/${vName}/inventory.json`, bytes);
    await this.store.put(`${root}/${vName}/inventory.json.sha256`, sidecar);
    await this.store.put(`${root}/${SIGNATURE_DIR}/${vName}.p7s`, signer.signDetached(bytes));
    if (this.version === 1) await this.store.put(`${root}/${OBJECT_NAMASTE}`, Buffer.from('ocfl_object_1.1\n'));
    await this.store.put(`${root}/inventory.json`, bytes);
    await this.store.put(`${root}/inventory.json.sha256`, sidecar);
    this.finished = true;
    return inventory;
  }

  /**
   * Removes the journal entry. Called by the owner once everything that follows the commit (catalog
   * row, audit entry) is written too: until then a crash leaves the entry, and recovery finds the
   * version committed and redoes those steps.
   */
  async end(): Promise<void> {
    await this.journal.end(this.token);
  }

  /** Removes everything this version wrote; the object stays as it was. */
  async abort(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    await this.readBehind.settled();
    await rollbackVersion(this.store, this.objectRoot, this.version);
    await this.journal.end(this.token);
  }

  private assertOpen(): void {
    if (this.finished) throw new Error('transaction already finished');
  }
}

/**
 * Deletes what an interrupted transaction may have written for `version`, unless the root inventory
 * shows it committed. Used by abort() and by crash recovery at start.
 */
export async function rollbackVersion(store: BlobStore, objectRoot: string, version: number): Promise<'rolled-back' | 'committed'> {
  const vName = versionName(version);
  // temp files of puts cut short, the root sidecar's after a committed inventory among them (a put runs only
  // under the write lock, which is held here)
  await store.removeIncomplete?.(`${objectRoot}/`);
  const head = await committedHead(store, objectRoot);
  if (head >= version) {
    await repairSidecar(store, objectRoot);
    return 'committed';
  }
  for await (const key of store.list(`${objectRoot}/${vName}/`)) await store.delete(key);
  await store.delete(`${objectRoot}/${SIGNATURE_DIR}/${vName}.p7s`);
  if (version === 1) {
    for await (const key of store.list(`${objectRoot}/`)) await store.delete(key);
  } else {
    await repairSidecar(store, objectRoot);
  }
  return 'rolled-back';
}

async function committedHead(store: BlobStore, objectRoot: string): Promise<number> {
  if (!(await store.stat(`${objectRoot}/inventory.json`))) return 0;
  const bytes = await readSmallObject(store, `${objectRoot}/inventory.json`);
  try {
    const parsed = JSON.parse(bytes.toString('utf8')) as { head?: string };
    return parsed.head ? versionNumber(parsed.head) : 0;
  } catch {
    return 0;
  }
}

/** The root sidecar is written right after the root inventory; a crash between the two is mended here. */
async function repairSidecar(store: BlobStore, objectRoot: string): Promise<void> {
  if (!(await store.stat(`${objectRoot}/inventory.json`))) return;
  const bytes = await readSmallObject(store, `${objectRoot}/inventory.json`);
  const sidecar = sidecarFor('sha256', bytes);
  const current = (await store.stat(`${objectRoot}/inventory.json.sha256`))
    ? await readSmallObject(store, `${objectRoot}/inventory.json.sha256`)
    : null;
  if (!current || !current.equals(sidecar)) await store.put(`${objectRoot}/inventory.json.sha256`, sidecar);
}

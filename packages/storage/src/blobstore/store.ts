import type { Readable } from 'node:stream';

/**
 * A blob store holds opaque objects under slash-separated keys ("objects/ab/cd/.../inventory.json").
 * It is the only thing that touches the disk or S3: everything above it (OCFL, audit log) is
 * written once against this interface and runs unchanged on every backend.
 *
 * Keys: relative, '/'-separated, no empty, '.' or '..' segments, no leading '/', UTF-8.
 */
export interface BlobStore {
  /** Short name from the archive config ("local", "s3-sthlm"). */
  readonly name: string;
  /** "local" or "s3". Only for reports and config, never for branching above this interface. */
  readonly kind: 'local' | 's3';

  /**
   * Writes `source` under `key` and makes it durable before resolving (fsync on local disk,
   * a completed upload on S3). A reader never sees a partly written object: either the old
   * object, or the new one whole. Streams in bounded memory; hashes with SHA-256 while writing.
   * If `expected` is given and the bytes differ in size or digest, nothing is left under `key`
   * and S-002/S-020 is thrown.
   */
  put(key: string, source: Readable | Buffer, options?: PutOptions): Promise<PutResult>;

  /** A stream of the object's bytes; S-001 if absent. `range` is inclusive [start, end]. */
  get(key: string, range?: { start: number; end: number }): Promise<Readable>;

  /**
   * The whole object in one buffer, for objects known to be small (a METS, a PREMIS, a document read for its
   * text): S-001 if absent, S-026 if it holds more than `limit` bytes (nothing beyond the limit is read).
   * Optional: a backend that has it reads without a stream (local disk: open, fstat, one read, close), where a
   * stream per object cost more than the bytes; callers without it read get() to the end.
   */
  readSmall?(key: string, limit: number): Promise<Buffer>;

  /**
   * Re-reads the object and returns its size and SHA-256: the fixity check of verify and audit.
   * S-001 if absent. Backends may read faster than through get() (no stream per object).
   */
  digest(key: string): Promise<PutResult>;

  /**
   * The digests of many objects at once, in order, null for an object that is absent; other failures
   * throw. Optional: where a backend has it, verify and audit use it for the content files.
   */
  digestAll?(keys: readonly string[]): Promise<(PutResult | null)[]>;

  /** Many digests are coming (verify, audit): start what digestAll needs now. Optional; never throws. */
  prepareDigests?(): void;

  /** Size and mtime, or null when absent. */
  stat(key: string): Promise<BlobStat | null>;

  /** Every key starting with `prefix`, in lexicographic order, recursively. */
  list(prefix: string): AsyncIterable<string>;

  /**
   * The names directly below the folder `prefix` names ('' or ending in '/'), sorted, a sub-folder's
   * with a trailing '/'. Optional: lets a caller that knows the layout (object roots at a fixed depth)
   * skip what lies below. Empty when the folder does not exist.
   */
  children?(prefix: string): Promise<string[]>;

  /**
   * Makes every put done with `durability: 'deferred'` durable (on local disk: one batch of fsyncs,
   * or a filesystem sync when there are many). A no-op where every put is durable on return.
   */
  flush(): Promise<void>;

  /** Removes the object; no error when absent. S3 with object lock may refuse (S-003/S-021). */
  delete(key: string): Promise<void>;

  /**
   * Removes leftovers of interrupted writes below `prefix` (temporary files, unfinished multipart
   * uploads). Called only while the archive's write lock is held, during crash recovery.
   */
  removeIncomplete?(prefix: string): Promise<void>;

  /** Checks that the store is reachable and configured as promised (S-003, S-021). */
  check(): Promise<void>;

  /** Releases sockets and handles. */
  close(): Promise<void>;
}

export interface PutOptions {
  /** Known size, lets S3 pick a single PUT for small objects. */
  size?: number;
  expected?: { size?: number; sha256?: string };
  contentType?: string;
  /**
   * 'deferred': the object is visible whole at once but durable only after flush(); for many files
   * written together (the content of an OCFL version), whose durability one batch buys far cheaper.
   */
  durability?: 'immediate' | 'deferred';
  /**
   * The caller will read the object back. A store that can do so while writing (local disk, for large
   * files) does, fails the put with S-002 when the bytes read back differ, and says so with `reread`.
   */
  readBack?: boolean;
  /**
   * The size and SHA-256 of the bytes `source` gives, as the caller computed them while feeding it; asked for
   * once the source has ended. With `readBack`, a store may record this instead of hashing the same bytes a
   * second time on the writing thread. A claim whose size does not fit fails the put with S-002; its digest is
   * checked by a read-back: the put's own where the result says `reread` (a mismatch fails it with S-002), else
   * the caller's, which must then follow (ObjectTransaction always reads new content back before its commit).
   */
  claimed?: () => PutResult;
  /**
   * Nothing is stored under the key yet, and no reader looks there before the caller commits (an OCFL version's
   * content before its inventory names it, docs/storage-format.md W1): a store may then write a small object in
   * place rather than under a temporary name renamed into place. A crash can leave part of an object under the
   * key, which the caller's own recovery removes (W6). A small object written in place refuses to replace one
   * already there (S-015); the caller must not put a key twice (ObjectTransaction refuses a second put of a path).
   */
  unpublished?: boolean;
}

export interface PutResult {
  size: number;
  sha256: string;
  /** The store read the object back from its medium after writing and found exactly these bytes. */
  reread?: true;
}

export interface BlobStat {
  size: number;
  modified: Date;
}

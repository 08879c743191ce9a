/**
 * A blob store in a folder on local disk: key "a/b/c" is the file <root>/a/b/c. Writes go to a
 * temp file in the target's folder and are renamed into place after fsync (see durable.ts).
 */
import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { mkdir, open, readdir, realpath, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { isBevaraError, isNoSpaceError, StorageError } from '../errors.ts';
import { checkExpected, readBackMismatch, Sha256Meter, toReadable } from './digest.ts';
import { errnoError, hashFiles, startHashWorkers, writeNewFile, type FileDigest } from './hash-pool.ts';
import type { Comparison } from './compare-back.ts';
import { fsyncDir, writeFileDurably } from './durable.ts';
import { isAbsent, readSmallFile, tooLargeToReadWhole } from './small-read.ts';
import {
  assertValidKey,
  assertValidPrefix,
  assertValidRange,
  compareKeys,
  rangeNotSatisfiable,
  TEMP_PREFIX,
  type ByteRange,
} from './inputs.ts';
import type { BlobStat, BlobStore, PutOptions, PutResult } from './store.ts';

const execFileAsync = promisify(execFile);
/** Above this many deferred files, flush() syncs the whole filesystem once instead of each file. */
const SYNCFS_THRESHOLD = 16;
const CHECKED_FOLDERS_MAX = 10_000;
const DIGEST_CHUNK = 1024 * 1024;
/**
 * Unpublished objects up to this size are read whole into memory and written on a hash worker (the ingest feed
 * hands files over in pieces of this size, so one such file is one piece).
 */
const SMALL_OBJECT_MAX = 1024 * 1024;
/** Largest chunk a get() stream reads at once (bounded memory per open stream). */
const READ_CHUNK = 1024 * 1024;

export interface LocalBlobStoreConfig {
  /** Short name from the archive config. */
  name: string;
  /** The folder that holds the objects; it must exist (we never create a missing mount point). */
  root: string;
}

export class LocalBlobStore implements BlobStore {
  readonly name: string;
  readonly kind = 'local' as const;
  readonly root: string;
  /** Resolved once the root has been seen to exist (symlinks followed). */
  #realRoot: Promise<string> | undefined;
  /** Folders already seen to lie inside the root after symlinks; bounded, cleared when full. */
  readonly #checkedFolders = new Set<string>();
  readonly #pendingFiles = new Set<string>();
  readonly #pendingDirs = new Set<string>();

  constructor(config: LocalBlobStoreConfig) {
    if (typeof config.root !== 'string' || config.root === '') {
      throw new StorageError('S-006', `blob store ${config.name}: no root folder configured`, { store: config.name });
    }
    this.name = config.name;
    this.root = path.resolve(config.root);
  }

  async put(key: string, source: Readable | Buffer, options: PutOptions = {}): Promise<PutResult> {
    assertValidKey(key);
    const file = await this.#pathFor(key);
    try {
      // new content of a version: a small object is taken whole and written on a hash worker
      if (options.durability === 'deferred' && options.unpublished) {
        const read = await readUpTo(source, SMALL_OBJECT_MAX);
        if ('whole' in read) return await this.#putSmall(key, file, read.whole, options);
        return await this.#putStreamed(key, file, read.rest, options);
      }
      return await this.#putStreamed(key, file, source, options);
    } catch (e) {
      // as a pipeline would: a source the put gave up on is not left open
      if (!Buffer.isBuffer(source)) source.destroy();
      throw this.#failure(e, key);
    }
  }

  /**
   * Written in place and read back by a hash worker (hash-pool.ts writeNewFile), without a stream, a temp name or
   * a rename: the caller promised that no reader looks at the key before its commit (PutOptions.unpublished). A
   * digest the caller claims stands in for our own hash, as the read-back checks it; a read-back that differs
   * removes the file.
   */
  async #putSmall(key: string, file: string, bytes: Buffer, options: PutOptions): Promise<PutResult> {
    const claim = options.readBack ? options.claimed?.() : undefined;
    const result = claim ? { size: claim.size, sha256: claim.sha256.toLowerCase() } : { size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
    checkExpected(key, result, options.expected);
    const written = await writeNewFile(file, bytes);
    if ('error' in written && written.error === 'EEXIST') {
      throw new StorageError('S-015', `blob store ${this.name}: ${key} already exists, and an unpublished put never replaces an object`, { store: this.name, key });
    }
    if ('error' in written) throw errnoError(written);
    try {
      if ('error' in written.reread) throw errnoError(written.reread);
      checkReread(this.name, key, result, written.reread);
    } catch (e) {
      await rm(file, { force: true });
      throw e;
    }
    this.#deferDurability(file, written.created);
    // made by the worker below a folder #pathFor checked, or checked itself: the next keys in it need no stat
    this.#checkedFolder(path.dirname(file));
    return { ...result, reread: true };
  }

  async #putStreamed(key: string, file: string, source: Readable | Buffer | AsyncIterable<Buffer>, options: PutOptions): Promise<PutResult> {
    const dir = path.dirname(file);
    // a caller's digest stands in for our own hash only where reading the file back will check it
    const meter = new Sha256Meter(key, options.expected?.size, options.readBack ? options.claimed : undefined);
    const deferred = options.durability === 'deferred';
    let result: PutResult | undefined;
    const firstCreated = await mkdir(dir, { recursive: true });
    await writeFileDurably(file, Buffer.isBuffer(source) ? toReadable(source) : source, {
      through: meter,
      sync: !deferred,
      // bytes the meter hashes are compared as read back; bytes whose digest is claimed are hashed again
      ...(options.readBack ? { reread: options.claimed ? ('hash' as const) : ('compare' as const) } : {}),
      beforeRename: (reread) => {
        result = meter.result();
        checkExpected(key, result, options.expected);
        if (reread) {
          checkReread(this.name, key, result, reread);
          result = { ...result, reread: true };
        }
      },
    });
    if (deferred) this.#deferDurability(file, firstCreated);
    else if (firstCreated !== undefined) {
      // new folders are names in their parents: make those durable too
      await fsyncNewFolders(path.dirname(firstCreated), dir);
    }
    if (!result) throw new Error('unreachable: the write finished without a digest');
    return result;
  }

  /** flush() makes `file` durable, and each folder from its own up to the parent of the first one made for it. */
  #deferDurability(file: string, firstCreated: string | undefined): void {
    this.#pendingFiles.add(file);
    for (let d = path.dirname(file); ; d = path.dirname(d)) {
      this.#pendingDirs.add(d);
      if (firstCreated === undefined || d === path.dirname(firstCreated) || path.dirname(d) === d) break;
    }
  }

  /**
   * Makes the deferred puts durable. Many files: one `sync -f` (syncfs(2) of the storage root's
   * filesystem, which Node does not expose) costs about as much as a handful of fsyncs; a few files:
   * fsync each file, then each folder that gained a name.
   */
  async flush(): Promise<void> {
    const files = [...this.#pendingFiles];
    const dirs = [...this.#pendingDirs].sort((a, b) => b.length - a.length);
    this.#pendingFiles.clear();
    this.#pendingDirs.clear();
    if (files.length === 0 && dirs.length === 0) return;
    try {
      if (files.length > SYNCFS_THRESHOLD) {
        await execFileAsync('sync', ['-f', this.root]);
        return;
      }
      // a deferred file may have been deleted since (deduplicated content, an aborted version)
      for (const f of files) {
        const h = await open(f, 'r').catch((e: unknown) => (isMissing(e) ? null : Promise.reject(e)));
        if (!h) continue;
        try {
          await h.sync();
        } finally {
          await h.close();
        }
      }
      for (const d of dirs) await fsyncDir(d).catch((e: unknown) => (isMissing(e) ? undefined : Promise.reject(e)));
    } catch (e) {
      throw this.#unavailable(`could not make written objects durable: ${(e as Error).message}`, e);
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    assertValidKey(key);
    if (range) assertValidRange(key, range);
    const file = await this.#pathFor(key);
    // open first and read from the handle: a concurrent put renames a new file into place, and
    // this reader keeps the old one whole
    const handle = await open(file, 'r').catch((e: unknown) => {
      throw isMissing(e) ? notFound(key) : this.#failure(e, key);
    });
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw notFound(key);
      // chunks of up to READ_CHUNK: a 64 KiB default costs a thread-pool round trip per 64 KiB
      const highWaterMark = Math.max(1, Math.min(READ_CHUNK, info.size));
      if (!range) return handle.createReadStream({ highWaterMark });
      if (range.start >= info.size) throw rangeNotSatisfiable(key, range, info.size);
      // like HTTP, an end past the object means "to the end"
      return handle.createReadStream({ highWaterMark, start: range.start, end: Math.min(range.end, info.size - 1) });
    } catch (e) {
      await handle.close();
      throw this.#failure(e, key);
    }
  }

  async readSmall(key: string, limit: number): Promise<Buffer> {
    assertValidKey(key);
    const file = this.#checkedPath(key) ?? (await this.#pathFor(key));
    let read;
    try {
      read = await readSmallFile(file, limit);
    } catch (e) {
      throw this.#failure(e, key);
    }
    if ('missing' in read) throw notFound(key);
    if ('size' in read) throw tooLargeToReadWhole(key, limit, read.size);
    return read.bytes;
  }

  async digest(key: string): Promise<PutResult> {
    assertValidKey(key);
    const file = this.#checkedPath(key) ?? (await this.#pathFor(key));
    // One small file: a synchronous open-read-close costs a few microseconds, less than a message to a
    // hash worker. A larger one is hashed on a worker thread, so the event loop is never held for long.
    const small = smallFileDigest(file);
    if (small === 'missing') throw notFound(key);
    if (small !== 'large') return small;
    const [result] = await hashFiles([file]);
    const found = this.#digestResult(key, result!);
    if (!found) throw notFound(key);
    return found;
  }

  /**
   * The digests of many objects (null for one that is absent), read and hashed in batches on the hash
   * workers (hash-pool.ts): a fixity check of thousands of small files pays no stream or promise per file
   * and hashes on every core.
   */
  async digestAll(keys: readonly string[]): Promise<(PutResult | null)[]> {
    const files: string[] = [];
    for (const key of keys) {
      assertValidKey(key);
      files.push(this.#checkedPath(key) ?? (await this.#pathFor(key)));
    }
    const results = await hashFiles(files);
    return results.map((r, i) => this.#digestResult(keys[i]!, r));
  }

  prepareDigests(): void {
    startHashWorkers();
  }

  /** A hash worker's answer as a digest, null when the object is absent, or the typed failure thrown. */
  #digestResult(key: string, result: FileDigest): PutResult | null {
    if (!('error' in result)) return result;
    if (isAbsent({ code: result.error })) return null;
    throw this.#failure(errnoError(result), key);
  }

  async stat(key: string): Promise<BlobStat | null> {
    assertValidKey(key);
    const file = await this.#pathFor(key);
    try {
      const info = await stat(file);
      return info.isFile() ? { size: info.size, modified: info.mtime } : null;
    } catch (e) {
      if (isMissing(e)) return null;
      throw this.#failure(e, key);
    }
  }

  async *list(prefix: string): AsyncIterable<string> {
    assertValidPrefix(prefix);
    await this.#ready();
    // walk from the deepest folder the prefix names; the rest of it filters that folder's entries
    const cut = prefix.lastIndexOf('/') + 1;
    const folderKey = prefix.slice(0, cut);
    const namePrefix = prefix.slice(cut);
    yield* this.#walk(path.join(this.root, folderKey), folderKey, namePrefix);
  }

  async children(prefix: string): Promise<string[]> {
    assertValidPrefix(prefix);
    if (prefix !== '' && !prefix.endsWith('/')) throw new StorageError('S-017', `children() takes a folder prefix ending in "/": ${JSON.stringify(prefix)}`, { key: prefix });
    await this.#ready();
    let entries;
    try {
      entries = await readdir(path.join(this.root, prefix), { withFileTypes: true });
    } catch (e) {
      if (isMissing(e)) return [];
      throw this.#failure(e, prefix);
    }
    return entries
      .filter((entry) => !entry.name.startsWith(TEMP_PREFIX) && (entry.isFile() || entry.isDirectory()))
      .map((entry) => (entry.isDirectory() ? `${entry.name}/` : entry.name))
      .sort(compareKeys);
  }

  /**
   * Yields the keys under `dir` in UTF-8 byte order without sorting the whole tree: a folder is
   * ordered as its name plus "/", exactly where its keys fall among its siblings' keys.
   */
  async *#walk(dir: string, keyPrefix: string, namePrefix: string): AsyncGenerator<string> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      if (isMissing(e)) return;
      throw this.#failure(e, keyPrefix);
    }
    const visible = entries
      .filter((entry) => entry.name.startsWith(namePrefix) && !entry.name.startsWith(TEMP_PREFIX))
      .filter((entry) => entry.isFile() || entry.isDirectory())
      .map((entry) => ({ entry, sortKey: entry.isDirectory() ? `${entry.name}/` : entry.name }))
      .sort((a, b) => compareKeys(a.sortKey, b.sortKey));
    for (const { entry } of visible) {
      const key = keyPrefix + entry.name;
      if (entry.isDirectory()) yield* this.#walk(path.join(dir, entry.name), `${key}/`, '');
      else yield key;
    }
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    const file = await this.#pathFor(key);
    try {
      const info = await stat(file).catch((e: unknown) => (isMissing(e) ? null : Promise.reject(e)));
      if (!info?.isFile()) return;
      await rm(file);
      await fsyncDir(path.dirname(file));
    } catch (e) {
      if (isMissing(e)) return;
      throw this.#failure(e, key);
    }
  }

  /**
   * Removes temp files that interrupted puts left in the folder `prefix` names and below it
   * (all of them are garbage: a live put would hold the archive's write lock).
   */
  async removeIncomplete(prefix: string): Promise<void> {
    assertValidPrefix(prefix);
    await this.#ready();
    const folderKey = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    await this.#removeTempFiles(path.join(this.root, folderKey), folderKey);
  }

  /**
   * Folder by folder: Node 20's recursive opendir yields only the first batch (32) of each subfolder's entries, so
   * a temp file among the checkpoints of a long audit log was never found.
   */
  async #removeTempFiles(dir: string, folderKey: string): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      if (isMissing(e)) return;
      throw this.#failure(e, folderKey);
    }
    for (const entry of entries) {
      if (entry.isDirectory()) await this.#removeTempFiles(path.join(dir, entry.name), `${folderKey}${entry.name}/`);
      else if (entry.isFile() && entry.name.startsWith(TEMP_PREFIX)) await rm(path.join(dir, entry.name), { force: true });
    }
  }

  async check(): Promise<void> {
    await this.#ready();
    // a read-only mount would only show at the first put; find out now
    const probePath = path.join(this.root, `${TEMP_PREFIX}check-${randomUUID()}`);
    const probe = await open(probePath, 'wx').catch((e: unknown) => {
      throw this.#unavailable(`storage root ${this.root} is not writable`, e);
    });
    await probe.close();
    await rm(probePath, { force: true });
  }

  async close(): Promise<void> {}

  /** #pathFor without waiting, for a valid key whose folder was already checked; else undefined. */
  #checkedPath(key: string): string | undefined {
    if (path.sep !== '/') return undefined;
    const file = `${this.root}/${key}`;
    return this.#checkedFolders.has(path.dirname(file)) ? file : undefined;
  }

  /** The file for `key`, which must lie inside the root even after symlinks are followed. */
  async #pathFor(key: string): Promise<string> {
    const realRoot = await this.#ready();
    // a valid key (assertValidKey) has no empty, '.' or '..' segment: joining needs no normalising
    const file = path.sep === '/' ? `${this.root}/${key}` : path.resolve(this.root, ...key.split('/'));
    if (!file.startsWith(this.root + path.sep)) {
      throw new StorageError('S-017', `invalid blob key ${JSON.stringify(key)}: it leaves the storage root`, { key });
    }
    // a symlinked folder inside the root could point anywhere: check the deepest existing folder
    const folder = path.dirname(file);
    if (this.#checkedFolders.has(folder)) return file;
    const existing = await deepestExisting(folder);
    const real = await realpath(existing);
    if (real !== realRoot && !real.startsWith(realRoot + path.sep)) {
      throw new StorageError('S-017', `invalid blob key ${JSON.stringify(key)}: a symlink leads out of the storage root`, { key });
    }
    if (existing === folder) this.#checkedFolder(folder);
    return file;
  }

  /** Remembers a folder seen, or made by a put, inside the root: later keys in it need no symlink check. */
  #checkedFolder(folder: string): void {
    if (this.#checkedFolders.size >= CHECKED_FOLDERS_MAX) this.#checkedFolders.clear();
    this.#checkedFolders.add(folder);
  }

  #ready(): Promise<string> {
    this.#realRoot ??= (async () => {
      const info = await stat(this.root).catch((e: unknown) => {
        throw this.#unavailable(`storage root ${this.root} does not exist (is the disk mounted?)`, e);
      });
      if (!info.isDirectory()) throw this.#unavailable(`storage root ${this.root} is not a folder`);
      return realpath(this.root);
    })();
    // a failed check is not remembered: the disk may be mounted later
    this.#realRoot.catch(() => {
      this.#realRoot = undefined;
    });
    return this.#realRoot;
  }

  #unavailable(message: string, cause?: unknown): StorageError {
    return new StorageError('S-003', `blob store ${this.name}: ${message}`, { store: this.name, root: this.root }, { cause });
  }

  /** Our own errors pass unchanged; file-system errors become typed ones. */
  #failure(e: unknown, key: string): unknown {
    if (isBevaraError(e)) return e;
    const code = (e as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'ENOTDIR' || code === 'EISDIR' || code === 'EEXIST' || code === 'ENOTEMPTY') {
      return new StorageError(
        'S-017',
        `invalid blob key ${JSON.stringify(key)}: on local disk a key cannot be both an object and a folder of objects`,
        { key },
        { cause: e },
      );
    }
    if (isNoSpaceError(e)) {
      return new StorageError('S-025', `blob store ${this.name}: no space left writing ${key}`, { store: this.name, root: this.root, key }, { cause: e });
    }
    if (typeof code === 'string') {
      return this.#unavailable(`${code} on ${key}: ${(e as Error).message}`, e);
    }
    return e;
  }
}

const smallBuffer = Buffer.allocUnsafe(DIGEST_CHUNK);
const probeBuffer = Buffer.allocUnsafe(1);

/** SHA-256 of a file of at most DIGEST_CHUNK bytes read in one synchronous call, or 'large'. */
function smallFileDigest(file: string): PutResult | 'large' | 'missing' {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    if (isMissing(e)) return 'missing';
    return 'large'; // let the asynchronous path report the error with its context
  }
  try {
    const size = fstatSync(fd).size;
    if (size > DIGEST_CHUNK) return 'large';
    let read = 0;
    while (read < size) {
      const n = readSync(fd, smallBuffer, read, size - read, read);
      if (n === 0) break;
      read += n;
    }
    // one more byte tells a file that grew since fstat from one that did not
    if (readSync(fd, probeBuffer, 0, 1, read) !== 0) return 'large';
    return { size: read, sha256: createHash('sha256').update(smallBuffer.subarray(0, read)).digest('hex') };
  } catch {
    return 'large'; // a read error (EISDIR, EIO): the hash worker's path reports it as a typed failure
  } finally {
    closeSync(fd);
  }
}

/**
 * Throws S-002 unless the file as read back has the size and digest of what was written, or (compared while
 * written) its size and every byte.
 */
function checkReread(store: string, key: string, written: PutResult, reread: PutResult | Comparison): void {
  if ('same' in reread) {
    if (reread.same && reread.size === written.size) return;
    throw new StorageError('S-002', `read-back of ${key} on store ${store}: the file does not hold the ${written.size} bytes written (${reread.size} bytes${reread.same ? '' : ', some of them different'})`, { store, key });
  }
  if (reread.size === written.size && reread.sha256 === written.sha256) return;
  throw readBackMismatch(store, key, written, reread);
}

/**
 * The whole of `source` when it holds at most `max` bytes; otherwise a source that gives the bytes read so far,
 * then the rest.
 */
async function readUpTo(source: Readable | Buffer, max: number): Promise<{ whole: Buffer } | { rest: Readable | Buffer | AsyncIterable<Buffer> }> {
  if (Buffer.isBuffer(source)) return source.length <= max ? { whole: source } : { rest: source };
  if (!(source instanceof Readable)) throw new TypeError('put() takes a Readable or a Buffer');
  if (source.destroyed) throw source.errored ?? prematureClose();
  if (source.readableEnded) return { whole: Buffer.alloc(0) };
  const head: Buffer[] = [];
  let size = 0;
  const ended = await new Promise<boolean>((resolve, reject) => {
    const stop = (): void => void source.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
    const onData = (chunk: Buffer): void => {
      head.push(chunk);
      size += chunk.length;
      if (size <= max) return;
      source.pause();
      stop();
      resolve(false);
    };
    const onEnd = (): void => {
      stop();
      resolve(true);
    };
    const onError = (e: unknown): void => {
      stop();
      reject(e);
    };
    const onClose = (): void => {
      stop();
      reject(prematureClose());
    };
    source.on('data', onData).once('end', onEnd).once('error', onError).once('close', onClose);
  });
  if (ended) return { whole: head.length === 1 ? head[0]! : Buffer.concat(head, size) };
  // until the rest is read, an error of the source must not go unheard: reading the rest then meets it
  source.on('error', () => undefined);
  return { rest: continued(head, source) };
}

/** What a pipeline says of a source that closed before its end. */
function prematureClose(): Error {
  return Object.assign(new Error('the source closed before its end'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
}

async function* continued(head: Buffer[], rest: Readable): AsyncGenerator<Buffer> {
  yield* head;
  for await (const chunk of rest) yield chunk as Buffer;
}

function isMissing(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function notFound(key: string): StorageError {
  return new StorageError('S-001', `object not found: ${key}`, { key });
}

async function deepestExisting(dir: string): Promise<string> {
  for (let current = dir; ; current = path.dirname(current)) {
    try {
      await stat(current);
      return current;
    } catch (e) {
      if (!isMissing(e) || path.dirname(current) === current) throw e;
    }
  }
}

/** fsyncs `top` and every folder below it down to `bottom`: each holds a newly made name. */
async function fsyncNewFolders(top: string, bottom: string): Promise<void> {
  for (let dir = bottom; ; dir = path.dirname(dir)) {
    await fsyncDir(dir);
    if (dir === top || path.dirname(dir) === dir) return;
  }
}

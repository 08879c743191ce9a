/**
 * Reads a small file whole (BlobStore.readSmall on local disk): open, fstat, one read of the size fstat gave,
 * close. A read stream cost ~150–350 µs of main-thread CPU per object, most of it the stream itself and a second
 * read only to meet the end of the file; thousands of documents read for their text paid that each.
 *
 * A file of up to SYNC_READ_MAX bytes is read with synchronous calls, as digest() reads one: each is a few
 * microseconds from the page cache, where four thread-pool round trips cost ~100 µs of CPU per file (10,000
 * documents: 0.15–0.25 s of CPU against 1.1 s). A cold disk makes the event loop wait out the seek instead.
 */
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { StorageError } from '../errors.ts';
import type { BlobStore } from './store.ts';

/** Above this a file is read on the thread pool: the event loop is not held for the copy of a large one. */
const SYNC_READ_MAX = 1024 * 1024;

/** What reading `file` found: its bytes, or why there are none. */
type SmallRead = { bytes: Buffer } | { missing: true } | { size: number };

/**
 * The file's bytes; `{ missing }` when there is no file (or a folder) there; `{ size }` when it is larger than
 * `limit`, read no further. Other failures (EIO, EACCES) reject with the system error. A file replaced while it
 * is read is read as it was when opened (local puts rename new files into place).
 */
export async function readSmallFile(file: string, limit: number): Promise<SmallRead> {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    if (isAbsent(e)) return { missing: true };
    throw e;
  }
  try {
    const info = fs.fstatSync(fd);
    if (!info.isFile()) return { missing: true };
    if (info.size > limit) return { size: info.size };
    const bytes = Buffer.allocUnsafe(info.size);
    const readAt = info.size <= SYNC_READ_MAX
      ? (offset: number): number => fs.readSync(fd, bytes, offset, info.size - offset, offset)
      : (offset: number): Promise<number> => call<number>((done) => fs.read(fd, bytes, offset, info.size - offset, offset, done));
    let read = 0;
    // one read as a rule; a short one (a file cut since fstat) is continued until its end
    while (read < info.size) {
      const n = await readAt(read);
      if (n === 0) break;
      read += n;
    }
    return { bytes: read === info.size ? bytes : bytes.subarray(0, read) };
  } catch (e) {
    if (isAbsent(e)) return { missing: true };
    throw e;
  } finally {
    fs.closeSync(fd);
  }
}

/** The most a small object (an inventory, a sidecar, a signature) read whole may hold unless told otherwise. */
export const SMALL_OBJECT_LIMIT = 64 * 1024 * 1024;

/** A small object's stream read whole: S-026 as soon as it passes `limit`, with the stream destroyed. */
export async function readWhole(stream: Readable, key: string, limit = SMALL_OBJECT_LIMIT): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      stream.destroy();
      throw tooLargeToReadWhole(key, limit);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size);
}

/** A small object whole, S-026 past `limit`: in one call where the store has one (BlobStore.readSmall), else from a stream. */
export async function readSmallObject(store: BlobStore, key: string, limit = SMALL_OBJECT_LIMIT): Promise<Buffer> {
  return store.readSmall ? store.readSmall(key, limit) : readWhole(await store.get(key), key, limit);
}

/** S-026: an object read whole was larger than a small one may be. */
export function tooLargeToReadWhole(key: string, limit: number, size?: number): StorageError {
  const found = size === undefined ? '' : ` (${size} bytes)`;
  return new StorageError('S-026', `object ${key}${found} is larger than ${limit} bytes where a small file was expected`, { key, limit });
}

function call<T>(start: (done: (error: NodeJS.ErrnoException | null, value: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => start((error, value) => (error ? reject(error) : resolve(value))));
}

/** An errno (thrown, or a worker's code) that means the object is not there: no file, or a folder in its place. */
export function isAbsent(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}

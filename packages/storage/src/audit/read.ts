import { createHash } from 'node:crypto';
import type { BlobStore } from '../blobstore/store.ts';

export interface SmallBlob {
  /** The whole object, or null when it is larger than the limit (then only `sha256` is known). */
  bytes: Buffer | null;
  size: number;
  /** Lower-case hex SHA-256 of every byte, also of an object over the limit. */
  sha256: string;
}

/**
 * Reads an object that should be small (an audit entry, a checkpoint) in bounded memory: at most
 * `limit` bytes are kept, yet the digest covers the whole object, because a chain check needs the
 * hash of a file even when the file has been inflated past any sensible size.
 */
export async function readSmall(store: BlobStore, key: string, limit: number): Promise<SmallBlob> {
  const hash = createHash('sha256');
  const kept: Buffer[] = [];
  let size = 0;
  for await (const chunk of await store.get(key)) {
    const bytes = chunk as Buffer;
    hash.update(bytes);
    size += bytes.length;
    if (size <= limit) kept.push(bytes);
  }
  // joining is bounded by `limit`, unlike concatenating a stream of unknown length
  return { bytes: size <= limit ? Buffer.concat(kept, size) : null, size, sha256: hash.digest('hex') };
}

/**
 * `read` applied to every item of `source` with up to `limit` reads in flight, the results yielded in
 * the source's order. The log is thousands of small files: read one after another, each waits out its
 * own thread-pool round trips (open, stat, read, close) or network request; a few at once overlap
 * them. At most `limit` results are held.
 */
export async function* readAhead<T, R>(source: AsyncIterable<T>, limit: number, read: (item: T) => Promise<R>): AsyncGenerator<R> {
  const inFlight: Promise<R>[] = [];
  for await (const item of source) {
    const result = read(item);
    // each is awaited in turn below; one left unawaited by a consumer that stopped early must not
    // surface as an unhandled rejection
    result.catch(() => undefined);
    inFlight.push(result);
    if (inFlight.length >= limit) yield await inFlight.shift()!;
  }
  while (inFlight.length > 0) yield await inFlight.shift()!;
}

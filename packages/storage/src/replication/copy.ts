/**
 * Copying and re-reading single objects between stores. Every copy is checked twice: the target
 * store checks the bytes against the expected digest while writing, and the copy is then read back
 * from the target and hashed again, so a store that acknowledges a write it did not keep is caught
 * before the archive reports anything as stored.
 */
import { readBackMismatch } from '../blobstore/digest.ts';
import type { BlobStore, PutResult } from '../blobstore/store.ts';
import { absentAsNull, isBevaraError, StorageError, STORAGE_ERRORS } from '../errors.ts';

/** Size and SHA-256 of a stored object, re-read through the store's digest(); null when absent. */
export function hashStored(store: BlobStore, key: string): Promise<PutResult | null> {
  return absentAsNull(store.digest(key));
}

/** Throws S-002 unless `key` on `store` has exactly the expected size and digest. */
export async function readBack(store: BlobStore, key: string, expected: PutResult): Promise<void> {
  const actual = await hashStored(store, key);
  if (!actual) throw new StorageError('S-001', `read-back of ${key} on store ${store.name}: the object is missing`, { store: store.name, key });
  if (actual.size !== expected.size || actual.sha256 !== expected.sha256) throw readBackMismatch(store.name, key, expected, actual);
}

/** Streams `key` from one store to another, checks it on the way in, then reads it back. */
export async function copyObject(from: BlobStore, to: BlobStore, key: string, expected: PutResult): Promise<void> {
  const source = await from.get(key);
  try {
    await to.put(key, source, { size: expected.size, expected });
  } finally {
    // a target that fails early leaves the source half-read; its file handle must not wait for GC
    source.destroy();
  }
  await readBack(to, key, expected);
}

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Delay before the second attempt; doubled after each failure. */
  baseDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 500 };

/**
 * Runs `fn`, retrying with exponential backoff while it fails with a code the error table marks
 * as retryable (a store that is down, a lock held); any other failure is final at once.
 */
export async function withRetry<T>(policy: RetryPolicy, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (attempt >= policy.attempts || !isRetryable(e)) throw e;
      await new Promise((resolve) => setTimeout(resolve, policy.baseDelayMs * 2 ** (attempt - 1)));
    }
  }
}

function isRetryable(e: unknown): boolean {
  if (!isBevaraError(e)) return false;
  const spec = (STORAGE_ERRORS as Record<string, { retry?: true }>)[e.code];
  return spec?.retry === true;
}

/**
 * Hashing while bytes flow: a pass-through stream that counts and SHA-256-hashes what passes, so
 * a store digests an object in the same pass that writes it, and the check of `expected`. When the
 * caller hashed the bytes already (PutOptions.claimed), it only counts them.
 */
import { createHash, type Hash } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { StorageError } from '../errors.ts';
import type { PutOptions, PutResult } from './store.ts';

export class Sha256Meter extends Transform {
  readonly #hash: Hash | undefined;
  #size = 0;

  /**
   * @param key for error messages
   * @param maxSize when known (expected.size), more bytes fail at once with S-020 instead of
   *   streaming on through a source that is already wrong
   * @param claimed the caller's digest of these bytes: counted, not hashed again
   */
  constructor(
    private readonly key: string,
    private readonly maxSize?: number,
    private readonly claimed?: () => PutResult,
  ) {
    super();
    this.#hash = claimed ? undefined : createHash('sha256');
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.#size += chunk.length;
    if (this.maxSize !== undefined && this.#size > this.maxSize) {
      done(sizeMismatch(this.key, this.maxSize, `more than ${this.maxSize}`));
      return;
    }
    this.#hash?.update(chunk);
    done(null, chunk);
  }

  /**
   * Size and digest of everything that passed; call once, after the stream has ended. A claimed digest whose
   * size is not what passed cannot be of these bytes: S-002.
   */
  result(): PutResult {
    if (this.#hash) return { size: this.#size, sha256: this.#hash.digest('hex') };
    const claim = this.claimed!();
    if (claim.size !== this.#size) {
      throw new StorageError('S-002', `writing ${this.key}: the caller's digest is of ${claim.size} bytes, ${this.#size} were given`, {
        key: this.key,
        expected: claim.size,
        actual: this.#size,
      });
    }
    return { size: claim.size, sha256: claim.sha256.toLowerCase() };
  }
}

/** A stream over `source`; a Buffer becomes a one-chunk stream. */
export function toReadable(source: Readable | Buffer): Readable {
  if (Buffer.isBuffer(source)) return Readable.from([source]);
  if (source instanceof Readable) return source;
  throw new TypeError('put() takes a Readable or a Buffer');
}

/** S-002 for a copy whose read-back differs from what was written to it. */
export function readBackMismatch(store: string, key: string, expected: PutResult, actual: PutResult): StorageError {
  return new StorageError('S-002', `read-back of ${key} on store ${store}: expected sha256 ${expected.sha256} (${expected.size} bytes), found ${actual.sha256} (${actual.size} bytes)`, {
    store,
    key,
    expected: expected.sha256,
    actual: actual.sha256,
  });
}

/** Throws S-020 (size) or S-002 (digest) when `actual` differs from what the caller expected. */
export function checkExpected(key: string, actual: PutResult, expected: PutOptions['expected']): void {
  if (expected?.size !== undefined && actual.size !== expected.size) {
    throw sizeMismatch(key, expected.size, actual.size);
  }
  if (expected?.sha256 !== undefined && actual.sha256 !== expected.sha256.toLowerCase()) {
    throw new StorageError('S-002', `digest mismatch writing ${key}: expected sha256 ${expected.sha256}, got ${actual.sha256}`, {
      key,
      expected: expected.sha256,
      actual: actual.sha256,
    });
  }
}

function sizeMismatch(key: string, expected: number, actual: number | string): StorageError {
  return new StorageError('S-020', `size mismatch writing ${key}: expected ${expected} bytes, got ${actual}`, {
    key,
    expected,
    actual,
  });
}

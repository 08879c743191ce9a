/**
 * A blob store in an S3 bucket (tested against Ceph RGW), through minio-js. Each object carries
 * its SHA-256 as `x-amz-meta-sha256`; ETags are no checksum (multipart, and RGW returns an empty
 * one after a multipart upload).
 */
import { createHash } from 'node:crypto';
import type http from 'node:http';
import os from 'node:os';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Client } from 'minio';
import { StorageError } from '../errors.ts';
import { checkExpected, Sha256Meter, toReadable } from './digest.ts';
import { assertValidKey, assertValidPrefix, assertValidRange, type ByteRange } from './inputs.ts';
import { verifyObjectLock } from './s3-bucket.ts';
import { describeS3, makeClient, resolveS3Config, type ResolvedS3Config, type S3BlobStoreConfig } from './s3-config.ts';
import { NOT_FOUND, s3ErrorCode, toStorageError } from './s3-errors.ts';
import { readWhole } from './small-read.ts';
import { spool, type Spooled } from './spool.ts';
import type { BlobStat, BlobStore, PutOptions, PutResult } from './store.ts';

export const SHA256_METADATA = 'x-amz-meta-sha256';

export class S3BlobStore implements BlobStore {
  readonly name: string;
  readonly kind = 's3' as const;
  readonly #config: ResolvedS3Config;
  readonly #client: Client;
  readonly #agent: http.Agent;

  /** Throws S-006 on a malformed config or missing credentials; does no I/O (see check()). */
  constructor(config: S3BlobStoreConfig) {
    this.#config = resolveS3Config(config);
    this.name = this.#config.name;
    ({ client: this.#client, agent: this.#agent } = makeClient(this.#config));
  }

  /** Where the store lives, without credentials. */
  get location(): string {
    return describeS3(this.#config);
  }

  /**
   * Reads the whole source once (hashing it on the way) into memory or a spool file, checks
   * `expected`, and only then uploads: a wrong object never reaches the bucket, which matters
   * because in a locked bucket it could never be removed.
   */
  async put(key: string, source: Readable | Buffer, options: PutOptions = {}): Promise<PutResult> {
    assertValidKey(key);
    const meter = new Sha256Meter(key, options.expected?.size);
    let spooled: Spooled | undefined;
    await pipeline(toReadable(source), meter, async (chunks: AsyncIterable<Buffer>) => {
      spooled = await spool(chunks, this.#config.partSize, this.#config.spoolDir ?? os.tmpdir());
    });
    if (!spooled) throw new Error('unreachable: the spool finished without a result');
    const held = spooled;
    try {
      const result = meter.result();
      checkExpected(key, result, options.expected);
      const name = this.#objectName(key);
      try {
        await this.#client.putObject(this.#config.bucket, name, held.open(), result.size, {
          'Content-Type': options.contentType ?? 'application/octet-stream',
          [SHA256_METADATA]: result.sha256,
        });
      } catch (e) {
        // a failed multipart upload keeps its parts on the server until aborted
        if (held.onDisk) await this.#client.removeIncompleteUpload(this.#config.bucket, name).catch(() => {});
        throw e;
      }
      return result;
    } catch (e) {
      throw toStorageError(e, this.#config, 'writing', key);
    } finally {
      await held.dispose();
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    assertValidKey(key);
    if (range) assertValidRange(key, range);
    const name = this.#objectName(key);
    try {
      if (!range) return await this.#client.getObject(this.#config.bucket, name);
      return await this.#client.getPartialObject(this.#config.bucket, name, range.start, range.end - range.start + 1);
    } catch (e) {
      if (NOT_FOUND.has(s3ErrorCode(e) ?? '')) throw new StorageError('S-001', `object not found: ${key}`, { key });
      throw toStorageError(e, this.#config, 'reading', key);
    }
  }

  /** One GET into a buffer, given up (and the response dropped) as soon as it passes `limit`. */
  async readSmall(key: string, limit: number): Promise<Buffer> {
    const stream = await this.get(key);
    try {
      return await readWhole(stream, key, limit);
    } catch (e) {
      stream.destroy();
      throw toStorageError(e, this.#config, 'reading', key);
    }
  }

  /** Re-reads the object's bytes: a fixity check must not trust the stored x-amz-meta-sha256. */
  async digest(key: string): Promise<PutResult> {
    const hash = createHash('sha256');
    let size = 0;
    const stream = await this.get(key);
    try {
      for await (const chunk of stream) {
        hash.update(chunk as Buffer);
        size += (chunk as Buffer).length;
      }
    } catch (e) {
      throw toStorageError(e, this.#config, 'reading', key);
    }
    return { size, sha256: hash.digest('hex') };
  }

  async stat(key: string): Promise<BlobStat | null> {
    assertValidKey(key);
    try {
      const info = await this.#client.statObject(this.#config.bucket, this.#objectName(key));
      return { size: info.size, modified: info.lastModified };
    } catch (e) {
      if (NOT_FOUND.has(s3ErrorCode(e) ?? '')) return null;
      throw toStorageError(e, this.#config, 'reading the status of', key);
    }
  }

  /** S3 lists in UTF-8 byte order already, which is the order the interface promises. */
  async *list(prefix: string): AsyncIterable<string> {
    assertValidPrefix(prefix);
    const strip = this.#config.prefix.length;
    try {
      for await (const item of this.#client.listObjectsV2(this.#config.bucket, this.#config.prefix + prefix, true)) {
        const name = (item as { name?: string }).name;
        if (name !== undefined) yield name.slice(strip);
      }
    } catch (e) {
      throw toStorageError(e, this.#config, 'listing', prefix);
    }
  }

  /** In a versioned bucket this adds a delete marker; locked versions stay (that is the point). */
  async delete(key: string): Promise<void> {
    assertValidKey(key);
    try {
      await this.#client.removeObject(this.#config.bucket, this.#objectName(key));
    } catch (e) {
      if (NOT_FOUND.has(s3ErrorCode(e) ?? '')) return;
      throw toStorageError(e, this.#config, 'deleting', key);
    }
  }

  /** Aborts multipart uploads that interrupted puts left below `prefix`, freeing their parts. */
  async removeIncomplete(prefix: string): Promise<void> {
    assertValidPrefix(prefix);
    try {
      const names = new Set<string>();
      for await (const upload of this.#client.listIncompleteUploads(this.#config.bucket, this.#config.prefix + prefix, true)) {
        names.add(upload.key);
      }
      for (const name of names) await this.#client.removeIncompleteUpload(this.#config.bucket, name);
    } catch (e) {
      throw toStorageError(e, this.#config, 'removing incomplete uploads under', prefix);
    }
  }

  async check(): Promise<void> {
    try {
      if (!(await this.#client.bucketExists(this.#config.bucket))) {
        throw new StorageError('S-021', `S3 store ${this.name}: bucket ${this.#config.bucket} does not exist at ${this.#config.endpoint.origin}`, {
          store: this.name,
          bucket: this.#config.bucket,
        });
      }
      await verifyObjectLock(this.#client, this.#config);
    } catch (e) {
      throw toStorageError(e, this.#config, 'checking the bucket');
    }
  }

  /** A completed S3 upload is durable when put() returns: nothing is deferred. */
  async flush(): Promise<void> {}

  async close(): Promise<void> {
    this.#agent.destroy();
  }

  #objectName(key: string): string {
    return this.#config.prefix + key;
  }
}

/**
 * Holds an object's bytes between reading and uploading, in bounded memory: small objects stay
 * in memory, larger ones spill to a temp file. S3 needs this because the object's metadata
 * (our SHA-256) must go with the first request, and we learn the digest only at the end; and
 * because an object written to a locked bucket can never be taken back, so `expected` must be
 * checked before the first byte leaves.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { writeAll } from './durable.ts';
import { TEMP_PREFIX } from './inputs.ts';

export interface Spooled {
  size: number;
  /** True when the bytes are in a file (the upload will be multipart). */
  onDisk: boolean;
  /** A fresh stream of the spooled bytes. */
  open(): Readable;
  /** Removes the temp file, if any. Safe to call twice. */
  dispose(): Promise<void>;
}

/**
 * Consumes `chunks`, keeping up to `memoryLimit` bytes in memory and the whole object in a
 * temp file in `dir` once it grows past that. On failure nothing stays behind.
 */
export async function spool(chunks: AsyncIterable<Buffer>, memoryLimit: number, dir: string): Promise<Spooled> {
  const inMemory: Buffer[] = [];
  let size = 0;
  let file: string | undefined;
  let handle: FileHandle | undefined;
  try {
    for await (const chunk of chunks) {
      size += chunk.length;
      if (handle) {
        await writeAll(handle, chunk);
        continue;
      }
      inMemory.push(chunk);
      if (size > memoryLimit) {
        file = path.join(dir, `${TEMP_PREFIX}bevara-s3-${randomUUID()}`);
        handle = await open(file, 'wx', 0o600);
        for (const held of inMemory.splice(0)) await writeAll(handle, held);
      }
    }
    await handle?.close();
  } catch (e) {
    await handle?.close().catch(() => {});
    if (file) await rm(file, { force: true });
    throw e;
  }
  if (file === undefined) {
    return { size, onDisk: false, open: () => Readable.from(inMemory), dispose: async () => {} };
  }
  const spoolFile = file;
  return {
    size,
    onDisk: true,
    open: () => createReadStream(spoolFile),
    dispose: () => rm(spoolFile, { force: true }),
  };
}

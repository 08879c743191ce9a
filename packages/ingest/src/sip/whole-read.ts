/**
 * Reading a package file whole instead of streaming it. Most files of a package are small, and a stream per file
 * (open, read, read to find the end, close, each a thread-pool round trip, plus the stream's own machinery) cost
 * more than the reading; a small file is read with one read into memory and handed on as a stream of that buffer.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';

/** Files and zip entries up to this size are read whole into memory; larger ones are streamed. */
export const WHOLE_READ_BYTES = 1024 * 1024;

/** A stream of bytes already in memory, for callers that read every entry as a stream. */
export function bufferStream(bytes: Buffer): Readable {
  const stream = new Readable({ read() {} });
  if (bytes.length > 0) stream.push(bytes);
  stream.push(null);
  return stream;
}

/** A file on disk whose listed size is `size`: read whole when small, else streamed. */
export async function openDiskFile(path: string, size: number): Promise<Readable> {
  if (size > WHOLE_READ_BYTES) return createReadStream(path);
  // One byte more than listed: a regular file reads short only at its end, so a full buffer means the file has
  // grown since it was listed, and it is streamed after all.
  const buffer = Buffer.allocUnsafe(size + 1);
  let bytesRead: number;
  try {
    const fh = await open(path, 'r');
    try {
      ({ bytesRead } = await fh.read(buffer, 0, buffer.length, 0));
    } finally {
      await fh.close();
    }
  } catch (err) {
    // As from a file stream: a file that cannot be read fails its reader, not the opening.
    return new Readable({ read() {} }).destroy(err as Error);
  }
  return bytesRead <= size ? bufferStream(buffer.subarray(0, bytesRead)) : createReadStream(path);
}

/**
 * Random access to the bytes of a file under identification. Identification reads a bounded
 * head and tail window and, for zip containers, the central directory and a few entries, so a
 * ByteSource never has to hold a whole file.
 */
import { open, stat } from 'node:fs/promises';
import { FormatError } from './errors.ts';

export interface ByteSource {
  size: number;
  /** Exactly `length` bytes from `offset`; the range must lie inside the file. */
  read(offset: number, length: number): Promise<Buffer>;
}

export function bufferByteSource(buf: Buffer): ByteSource {
  return {
    size: buf.length,
    read: async (offset, length) => {
      checkRange(offset, length, buf.length, 'buffer');
      return buf.subarray(offset, offset + length);
    },
  };
}

/** A file on disk; each read opens, reads and closes it, so nothing is left open between reads. */
export async function fileByteSource(path: string): Promise<ByteSource> {
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new Error('not a regular file');
    size = st.size;
  } catch (e) {
    throw new FormatError('I-F02', `cannot read ${path}`, { path }, { cause: e });
  }
  return {
    size,
    read: async (offset, length) => {
      checkRange(offset, length, size, path);
      const buf = Buffer.allocUnsafe(length);
      let handle;
      try {
        handle = await open(path, 'r');
        let done = 0;
        while (done < length) {
          const { bytesRead } = await handle.read(buf, done, length - done, offset + done);
          if (bytesRead === 0) break;
          done += bytesRead;
        }
        if (done !== length) {
          throw new FormatError('I-F02', `${path} changed while being read`, { path, offset, length });
        }
      } catch (e) {
        if (e instanceof FormatError) throw e;
        throw new FormatError('I-F02', `cannot read ${path}`, { path, offset, length }, { cause: e });
      } finally {
        await handle?.close();
      }
      return buf;
    },
  };
}

function checkRange(offset: number, length: number, size: number, what: string): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > size) {
    throw new FormatError('I-F02', `read outside ${what}: ${offset}+${length} of ${size}`, { offset, length, size });
  }
}

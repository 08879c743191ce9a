/**
 * A zip archive read in blocks. yauzl reads each central directory record, and each entry, with separate reads of
 * the archive (plus a zlib stream per entry), every one a round trip through the thread pool; for a package of
 * 10,000 small files those round trips were most of the time spent reading it. Here the archive is read in blocks
 * that usually hold many neighbouring records or entries: yauzl reads the central directory through them
 * (BlockReader), and a small entry is read from them whole and inflated in one synchronous call bounded by its
 * declared size. Large, encrypted or otherwise unusual entries are streamed by yauzl.
 */
import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { inflateRawSync } from 'node:zlib';
import yauzl, { type Entry } from 'yauzl';
import { WHOLE_READ_BYTES } from './whole-read.ts';

/** How much of the archive one read brings in. */
const BLOCK_BYTES = 256 * 1024;

/** A large entry's data is read in chunks this size: the default 64 KiB meant a thread-pool round trip per 64 KiB. */
const LARGE_ENTRY_CHUNK_BYTES = 1024 * 1024;

const LOCAL_HEADER_SIGNATURE = 0x04034b50;
const LOCAL_HEADER_BYTES = 30;

/** A zip entry's structure does not match its central directory record; the message says how. */
class ZipEntryError extends Error {}

export function isSmallEntry(e: Entry): boolean {
  return (
    (e.compressionMethod === 0 || e.compressionMethod === 8) &&
    !e.isEncrypted() &&
    e.compressedSize <= WHOLE_READ_BYTES &&
    e.uncompressedSize <= WHOLE_READ_BYTES
  );
}

/** Reads byte ranges of the archive, served from the last block read when it holds them. */
export class ArchiveBlocks {
  private block = Buffer.alloc(0);
  private blockStart = 0;

  constructor(
    private readonly file: FileHandle,
    private readonly fileSize: number,
  ) {}

  /** The bytes at [offset, offset + length); a view into a block, to be copied if kept. */
  async bytes(offset: number, length: number): Promise<Buffer> {
    const from = offset - this.blockStart;
    if (from >= 0 && from + length <= this.block.length) return this.block.subarray(from, from + length);
    if (offset + length > this.fileSize) throw new ZipEntryError(`entry data overflows the archive: ${offset} + ${length} > ${this.fileSize}`);
    const size = Math.min(Math.max(length, BLOCK_BYTES), this.fileSize - offset);
    const block = Buffer.allocUnsafe(size);
    let filled = 0;
    while (filled < size) {
      const { bytesRead } = await this.file.read(block, filled, size - filled, offset + filled);
      if (bytesRead === 0) throw new ZipEntryError('the archive ended early');
      filled += bytesRead;
    }
    this.block = block;
    this.blockStart = offset;
    return block.subarray(0, length);
  }
}

/**
 * yauzl's reader over the blocks; a large entry's data is streamed from the archive's open handle (not reopened by
 * path, which could by then name another file or none: a spooled upload is unlinked once opened).
 */
export class BlockReader extends yauzl.RandomAccessReader {
  constructor(
    private readonly blocks: ArchiveBlocks,
    private readonly file: FileHandle,
  ) {
    super();
  }

  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null) => void): void {
    this.blocks.bytes(position, length).then(
      (bytes) => {
        bytes.copy(buffer, offset);
        callback(null);
      },
      (err: Error) => callback(err),
    );
  }

  override _readStreamForRange(start: number, end: number): Readable {
    return rangeStream(this.file, start, end);
  }
}

/**
 * Bytes [start, end) of the archive, read at their positions through its open handle in 1 MiB chunks. Not a file
 * stream on the handle: destroying one (as yauzl does when an entry is done) closes its handle, which the
 * package's other entries still read; the package's close() closes it.
 */
function rangeStream(file: FileHandle, start: number, end: number): Readable {
  let position = start;
  return new Readable({
    highWaterMark: LARGE_ENTRY_CHUNK_BYTES,
    read() {
      const size = Math.min(LARGE_ENTRY_CHUNK_BYTES, end - position);
      if (size <= 0) {
        this.push(null);
        return;
      }
      const buffer = Buffer.allocUnsafe(size);
      file.read(buffer, 0, size, position).then(
        ({ bytesRead }) => {
          if (this.destroyed) return;
          if (bytesRead === 0) return void this.destroy(new ZipEntryError('the archive ended early'));
          position += bytesRead;
          this.push(bytesRead === size ? buffer : buffer.subarray(0, bytesRead));
        },
        (err: Error) => this.destroy(err),
      );
    },
  });
}

/** The whole content of a small entry (see isSmallEntry), checked against its declared size. */
export async function readSmallEntry(blocks: ArchiveBlocks, e: Entry): Promise<Buffer> {
  const header = await blocks.bytes(e.relativeOffsetOfLocalHeader, LOCAL_HEADER_BYTES);
  const signature = header.readUInt32LE(0);
  if (signature !== LOCAL_HEADER_SIGNATURE) throw new ZipEntryError(`invalid local file header signature: 0x${signature.toString(16)}`);
  const dataStart = e.relativeOffsetOfLocalHeader + LOCAL_HEADER_BYTES + header.readUInt16LE(26) + header.readUInt16LE(28);
  const data = await blocks.bytes(dataStart, e.compressedSize);
  // Stored data is copied: a view would keep the whole block alive as long as the caller keeps the bytes.
  const content = e.compressionMethod === 0 ? Buffer.from(data) : inflate(data, e.uncompressedSize);
  if (content.length !== e.uncompressedSize) {
    throw new ZipEntryError(`entry holds ${content.length} bytes, its directory record says ${e.uncompressedSize}`);
  }
  return content;
}

function inflate(data: Buffer, declared: number): Buffer {
  try {
    // One byte beyond the declared size is enough to tell that the entry holds more than it says.
    return inflateRawSync(data, { maxOutputLength: declared + 1 });
  } catch (cause) {
    throw new ZipEntryError(`entry data cannot be inflated: ${(cause as Error).message}`, { cause });
  }
}

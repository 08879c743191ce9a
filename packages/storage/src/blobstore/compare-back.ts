/**
 * Reading a file back while it is written, for bytes the writer hashed itself: each chunk, once written, is read
 * back from the file and compared byte for byte with what was written. Equal bytes mean the file holds exactly
 * what was hashed, so the read-back needs no second SHA-256 (the costliest part of a large write); bytes the
 * caller hashed instead (PutOptions.claimed) are re-hashed by reread.ts, which checks the claim. The read is a
 * plain synchronous one: the chunk was just written, so it comes from the page cache in a fraction of a
 * millisecond, and it takes no thread-pool thread from the writes, the source's reads and the early write-back
 * (which otherwise queue behind each other).
 */
import { fstatSync, readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

/** What the file held when read back: its size, and whether every byte was the one written. */
export interface Comparison {
  size: number;
  same: boolean;
}

/**
 * A buffer that does not start at a page boundary. A large buffer does, and copying a page-cache page (page
 * aligned) into a page-aligned buffer runs about three times slower than into one a few bytes off, on this kind of
 * machine (source and destination 4 KiB apart alias in the CPU's store forwarding): reading 1 GB back took 0.5 s
 * instead of 0.16 s.
 */
function offPageBuffer(size: number): Buffer {
  return Buffer.allocUnsafeSlow(size + OFF_PAGE).subarray(OFF_PAGE);
}
const OFF_PAGE = 64;

export class WriteComparer {
  /** Holds the chunk read back; grown to the largest chunk. */
  #back: Buffer = Buffer.alloc(0);
  #same = true;

  /** `handle` must be open for reading too. */
  constructor(private readonly handle: FileHandle) {}

  /** `chunk` was written at `position`: read it back and compare. */
  wrote(chunk: Buffer, position: number): void {
    if (this.#back.length < chunk.length) this.#back = offPageBuffer(chunk.length);
    const back = this.#back.subarray(0, chunk.length);
    let read = 0;
    while (read < chunk.length) {
      const n = readSync(this.handle.fd, back, read, chunk.length - read, position + read);
      if (n === 0) break;
      read += n;
    }
    if (read !== chunk.length || !back.equals(chunk)) this.#same = false;
  }

  /** Another reader (chunk-writer.ts, which took over the rest of the file) found a chunk that differed. */
  differs(): void {
    this.#same = false;
  }

  /** The writer is done: the file's size, and whether each chunk read back was the chunk written. */
  finish(): Comparison {
    return { size: fstatSync(this.handle.fd).size, same: this.#same };
  }
}

/**
 * Reading a file back while it is written, for bytes the writer hashed itself: each chunk, once written, is read
 * back from the file and compared byte for byte with what was written, alongside the next write. Equal bytes mean
 * the file holds exactly what was hashed, so the read-back needs no second SHA-256 (the costliest part of a
 * large write); bytes the caller hashed instead (PutOptions.claimed) are re-hashed by reread.ts, which checks the
 * claim. At most COMPARE_IN_FLIGHT chunks wait for their comparison: memory stays bounded.
 */
import type { FileHandle } from 'node:fs/promises';

/** Chunks written whose read-back is still running; the next write waits for the oldest beyond this. */
const COMPARE_IN_FLIGHT = 2;

/** What the file held when read back: its size, and whether every byte was the one written. */
export interface Comparison {
  size: number;
  same: boolean;
}

export class WriteComparer {
  readonly #inFlight: Promise<void>[] = [];
  /** Buffers of finished comparisons, reused for the next ones. */
  readonly #spare: Buffer[] = [];
  #same = true;

  /** `handle` must be open for reading too. */
  constructor(private readonly handle: FileHandle) {}

  /** `chunk` was written at `position`: compares it once read back, and waits while too many comparisons run. */
  async wrote(chunk: Buffer, position: number): Promise<void> {
    while (this.#inFlight.length >= COMPARE_IN_FLIGHT) await this.#inFlight.shift();
    const comparing = this.#compare(chunk, position);
    // awaited by a later wrote(), by finish() or by settled(); meanwhile a failure is not unhandled
    comparing.catch(() => undefined);
    this.#inFlight.push(comparing);
  }

  /** The writer is done: the file's size, and whether each chunk read back was the chunk written. */
  async finish(): Promise<Comparison> {
    await Promise.all(this.#inFlight.splice(0));
    const { size } = await this.handle.stat();
    return { size, same: this.#same };
  }

  /** The write failed: waits for the reads still running, so the handle can be closed under none. */
  async settled(): Promise<void> {
    await Promise.allSettled(this.#inFlight.splice(0));
  }

  async #compare(chunk: Buffer, position: number): Promise<void> {
    const buffer = this.#take(chunk.length);
    const back = buffer.subarray(0, chunk.length);
    try {
      let read = 0;
      while (read < chunk.length) {
        const { bytesRead } = await this.handle.read(back, read, chunk.length - read, position + read);
        if (bytesRead === 0) break;
        read += bytesRead;
      }
      if (read !== chunk.length || !back.subarray(0, read).equals(chunk)) this.#same = false;
    } finally {
      this.#spare.push(buffer);
    }
  }

  /** A buffer of at least `size` bytes. */
  #take(size: number): Buffer {
    const i = this.#spare.findIndex((b) => b.length >= size);
    return i >= 0 ? this.#spare.splice(i, 1)[0]! : Buffer.allocUnsafeSlow(size);
  }
}

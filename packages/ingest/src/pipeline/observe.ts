/**
 * What ingest learns about a file while its bytes flow into storage: SHA-256, size and PRONOM format. The
 * format is identified from the head and tail windows DROID reads (formats/identify.ts), captured on the way
 * through, so identification costs no read of its own.
 */
import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { FormatError } from '../formats/errors.ts';
import { identify, SCAN_WINDOW, type ByteSource, type Identification } from '../formats/identify.ts';

export interface Observed {
  sha256: string;
  size: number;
  identification: Identification;
}

/** A pass-through stream that hashes, counts and keeps the identification windows; `result` is set before 'end'. */
export class ObservingStream extends Transform {
  result: Observed | undefined;
  private readonly hash = createHash('sha256');
  private size = 0;
  private head: Buffer[] = [];
  private headBytes = 0;
  /** The last chunks seen, trimmed to at least SCAN_WINDOW bytes. */
  private tail: Buffer[] = [];
  private tailBytes = 0;

  constructor(private readonly name: string) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    if (this.headBytes < SCAN_WINDOW) {
      const take = chunk.subarray(0, SCAN_WINDOW - this.headBytes);
      this.head.push(take);
      this.headBytes += take.length;
    }
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    while (this.tail.length > 1 && this.tailBytes - this.tail[0]!.length >= SCAN_WINDOW) this.tailBytes -= this.tail.shift()!.length;
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    const sha256 = this.hash.digest('hex');
    identify(this.windows(), this.name)
      .catch((e: unknown) => {
        if (!(e instanceof FormatError)) throw e;
        return { puid: null, name: null, basis: 'none', warnings: [e.message] } satisfies Identification;
      })
      .then((identification) => {
        this.result = { sha256, size: this.size, identification };
        done();
      }, (e: unknown) => done(e as Error));
  }

  /** The captured bytes as a ByteSource; reads outside the windows fail like an unreadable range. */
  private windows(): ByteSource {
    const size = this.size;
    const head = Buffer.concat(this.head);
    const tailBuf = Buffer.concat(this.tail);
    const tailStart = size - tailBuf.length;
    // A small file is wholly kept: head and tail overlap or touch, and together are every byte.
    const whole = tailStart <= head.length ? Buffer.concat([head, tailBuf.subarray(head.length - tailStart)]) : undefined;
    return {
      size,
      read: async (offset, length) => {
        if (whole !== undefined && offset + length <= whole.length) return whole.subarray(offset, offset + length);
        if (offset + length <= head.length) return head.subarray(offset, offset + length);
        if (offset >= tailStart && offset + length <= size) return tailBuf.subarray(offset - tailStart, offset - tailStart + length);
        throw new FormatError('I-F02', `bytes ${offset}..${offset + length} of ${this.name} were not kept for identification`, { path: this.name });
      },
    };
  }
}

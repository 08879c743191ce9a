/**
 * Writing a large file on a worker thread, in small write calls, each chunk read back and compared there.
 *
 * Why small calls: Linux (6.x) gives a file written in large calls large page-cache folios, and on a virtual
 * machine whose free memory the host reclaims (virtio-balloon free page reporting) those come from memory the host
 * must fault in again: writing 1 GB in 1 MiB calls took 1.3–2.3 s of system time on this kind of machine, in 16 KiB
 * calls about a third of that (bench/README.md). Syscalls that small cost the event loop too much as thread-pool
 * round trips, so a worker makes them synchronously, and compares each chunk with what it reads back, which took
 * the event loop's thread a fifth of its time before.
 *
 * Bytes cross to the worker in buffers this class owns and hands back and forth (transferred, never shared): the
 * caller's chunk is copied into one, so the worker writes and compares exactly what the caller hashed, and nothing
 * can change a buffer while the worker holds it.
 */
import { Worker } from 'node:worker_threads';
import { errnoError } from './hash-pool.ts';

/** Bytes per write call (see above): 16 KiB measured fastest against 4 KiB–1 MiB. */
const PIECE_BYTES = 16 * 1024;
/** Bytes per buffer handed to the worker; a larger chunk goes over in several. */
const BUFFER_BYTES = 1024 * 1024;
/** Buffers in circulation: the worker writes one while the caller fills the other. */
const BUFFERS = 2;

// Plain JavaScript run with `eval`, so it loads the same under tsx, vitest and a build.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { fd, compare, piece } = workerData;
// off a page boundary: copying page-cache pages into a page-aligned buffer runs about three times slower here
// (compare-back.ts)
let back = Buffer.alloc(0);
parentPort.on('message', ({ data, length, position }) => {
  const bytes = Buffer.from(data, 0, length);
  try {
    for (let offset = 0; offset < length; ) {
      offset += fs.writeSync(fd, bytes, offset, Math.min(piece, length - offset), position + offset);
    }
    let same = true;
    if (compare) {
      if (back.length < length) back = Buffer.allocUnsafeSlow(length + 64).subarray(64);
      let read = 0;
      while (read < length) {
        const n = fs.readSync(fd, back, read, length - read, position + read);
        if (n === 0) break;
        read += n;
      }
      same = read === length && back.subarray(0, length).equals(bytes);
    }
    parentPort.postMessage({ data, same }, [data]);
  } catch (e) {
    parentPort.postMessage({ data, error: e.code || 'EIO', message: e.message }, [data]);
  }
});
`;

type Answer = { data: ArrayBuffer; same: boolean } | { data: ArrayBuffer; error: string; message: string };

export class ChunkWriter {
  readonly #worker: Worker;
  readonly #free: ArrayBuffer[] = [];
  /** Callers waiting for a buffer to come back. */
  readonly #waiting: (() => void)[] = [];
  #made = 0;
  #out = 0;
  #same = true;
  #failure: { cause: unknown } | undefined;

  /**
   * Writes to `fd` (open for reading too when `compare`), which the caller keeps open until finish() or cancel()
   * has returned.
   */
  constructor(fd: number, compare: boolean) {
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { fd, compare, piece: PIECE_BYTES } });
    this.#worker.on('message', (answer: Answer) => {
      this.#out--;
      this.#free.push(answer.data);
      if ('error' in answer) this.#failure ??= { cause: errnoError(answer) };
      else if (!answer.same) this.#same = false;
      this.#waiting.shift()?.();
    });
    const fail = (cause: unknown): void => {
      this.#failure ??= { cause };
      for (const wake of this.#waiting.splice(0)) wake();
    };
    this.#worker.on('error', fail);
    this.#worker.on('exit', (code) => fail(new Error(`the writing worker exited with code ${code}`)));
  }

  /**
   * Hands `chunk`, to be written at `position`, to the worker: returns once it is copied, waiting while every buffer
   * is out. Throws what an earlier write met.
   */
  async write(chunk: Buffer, position: number): Promise<void> {
    for (let offset = 0; offset < chunk.length; offset += BUFFER_BYTES) {
      const data = await this.#buffer();
      const part = chunk.subarray(offset, offset + BUFFER_BYTES);
      new Uint8Array(data, 0, part.length).set(part);
      this.#out++;
      this.#worker.postMessage({ data, length: part.length, position: position + offset }, [data]);
    }
  }

  /** Waits for every write; throws what any met. Whether each chunk read back was the chunk written. */
  async finish(): Promise<{ same: boolean }> {
    try {
      while (this.#out > 0 && !this.#failure) await new Promise<void>((wake) => this.#waiting.push(wake));
      if (this.#failure) throw this.#failure.cause;
      return { same: this.#same };
    } finally {
      await this.#worker.terminate();
    }
  }

  /** The write is abandoned: stops the worker (a write call it is in finishes first). */
  async cancel(): Promise<void> {
    await this.#worker.terminate();
  }

  async #buffer(): Promise<ArrayBuffer> {
    for (;;) {
      if (this.#failure) throw this.#failure.cause;
      const free = this.#free.pop();
      if (free) return free;
      if (this.#made < BUFFERS) {
        this.#made++;
        return new ArrayBuffer(BUFFER_BYTES);
      }
      await new Promise<void>((wake) => this.#waiting.push(wake));
    }
  }
}

/**
 * Reading a large file back while it is still being written: a worker thread follows the writer through
 * the file, re-reading from the file system each range the writer has finished and hashing it, so the
 * read-back's SHA-256 runs on another core alongside the write instead of after it. When the writer is
 * done the worker reads on to the end of the file, so bytes the file holds beyond what was written show
 * as a wrong size. Only the two counters below are shared; the bytes themselves come from the file.
 */
import { Worker } from 'node:worker_threads';
import { errnoError, type FileDigest } from './hash-pool.ts';
import type { PutResult } from './store.ts';

// Plain JavaScript run with `eval`, so it loads the same under tsx, vitest and a build.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { createHash } = require('node:crypto');
const counters = new BigInt64Array(workerData.shared, 0, 2); // [written so far, final size or -1]
const signal = new Int32Array(workerData.shared, 16, 2);     // [bumped by the writer to wake us, 1 while we wait]
// 128 KiB reads: the bytes are still in the CPU cache when hashed (1 MiB reads hash ~30% slower)
const buffer = Buffer.allocUnsafe(128 * 1024);
const hash = createHash('sha256');
let fd;
let pos = 0;
try {
  fd = fs.openSync(workerData.file, 'r');
  for (;;) {
    const seen = Atomics.load(signal, 0);
    const written = Number(Atomics.load(counters, 0));
    if (pos < written) {
      const n = fs.readSync(fd, buffer, 0, Math.min(buffer.length, written - pos), pos);
      if (n === 0) break; // shorter than what was written: the size read back shows it
      hash.update(buffer.subarray(0, n));
      pos += n;
      continue;
    }
    if (Atomics.load(counters, 1) >= 0n) break;
    // say we wait, then look once more: a change made before the flag was seen is caught here, one
    // made after it finds the flag and wakes us
    Atomics.store(signal, 1, 1);
    if (Number(Atomics.load(counters, 0)) === written && Atomics.load(counters, 1) < 0n) Atomics.wait(signal, 0, seen, 1000);
    Atomics.store(signal, 1, 0);
  }
  // on to the end of the file: what was written after the last look, and bytes beyond what was written
  // (they show as a wrong size)
  for (;;) {
    const n = fs.readSync(fd, buffer, 0, buffer.length, pos);
    if (n === 0) break;
    hash.update(buffer.subarray(0, n));
    pos += n;
  }
  parentPort.postMessage({ size: pos, sha256: hash.digest('hex') });
} catch (e) {
  parentPort.postMessage({ error: e.code || 'EIO', message: e.message });
} finally {
  if (fd !== undefined) fs.closeSync(fd);
}
`;

export class FileReReader {
  readonly #worker: Worker;
  readonly #counters: BigInt64Array;
  readonly #signal: Int32Array;
  readonly #result: Promise<PutResult>;

  /** Starts following `file`, which must exist; call advance() as bytes are written, then finish(). */
  constructor(file: string) {
    const shared = new SharedArrayBuffer(24);
    this.#counters = new BigInt64Array(shared, 0, 2);
    this.#signal = new Int32Array(shared, 16, 2);
    this.#counters[1] = -1n;
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, shared } });
    this.#result = new Promise<PutResult>((resolve, reject) => {
      this.#worker.once('message', (m: FileDigest) => {
        if ('error' in m) reject(errnoError(m));
        else resolve(m);
      });
      this.#worker.once('error', reject);
      this.#worker.once('exit', (code) => reject(new Error(`re-reading ${file}: the worker exited with code ${code}`)));
    });
    // a failure before finish() is awaited must not surface as an unhandled rejection
    this.#result.catch(() => undefined);
  }

  /** The writer has written `total` bytes from the start of the file. */
  advance(total: number): void {
    Atomics.store(this.#counters, 0, BigInt(total));
    this.#wake();
  }

  /** The writer is done after `total` bytes: the size and digest of the file as read back. */
  async finish(total: number): Promise<PutResult> {
    Atomics.store(this.#counters, 0, BigInt(total));
    Atomics.store(this.#counters, 1, BigInt(total));
    Atomics.add(this.#signal, 0, 1);
    Atomics.notify(this.#signal, 0);
    try {
      return await this.#result;
    } finally {
      await this.#worker.terminate();
    }
  }

  /** The write failed: stop reading. */
  async cancel(): Promise<void> {
    await this.#worker.terminate();
  }

  /** Wakes the worker only when it waits: a wake per written chunk costs the writer more than the hash. */
  #wake(): void {
    if (Atomics.load(this.#signal, 1) === 0) return;
    Atomics.add(this.#signal, 0, 1);
    Atomics.notify(this.#signal, 0);
  }
}

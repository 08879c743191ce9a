/**
 * SHA-256 of local files on worker threads, so that re-reading (verify, audit, read-back) hashes on
 * every core instead of only the event loop's: the hash, not the disk, is what bounds a fixity check of
 * data the page cache or a fast disk holds. Each worker reads with plain synchronous calls (open, read
 * until end, close: no stream, no promise per file) into one reused 128 KiB buffer, so memory stays at a
 * few MB per worker whatever the file sizes. Workers start on first use and do not keep the process
 * alive when idle.
 *
 * The same workers write small files whole and read each back (writeNewFiles): ten thousand small files
 * cost the event loop one message per batch instead of a stream, a folder check and five thread-pool
 * round trips per file.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';

/** A file's size and digest, or the errno code that stopped reading it. */
export type FileDigest = { size: number; sha256: string } | { error: string; message: string };

// Plain JavaScript run with `eval`, so it loads the same under tsx, vitest and a build.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const { createHash } = require('node:crypto');
const path = require('node:path');
// 128 KiB reads: the bytes are still in the CPU cache when hashed (1 MiB reads hash ~30% slower)
const buffer = Buffer.allocUnsafe(128 * 1024);
function digest(file) {
  let fd;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    return { error: e.code || 'EIO', message: e.message };
  }
  try {
    const hash = createHash('sha256');
    let size = 0;
    for (;;) {
      const n = fs.readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      hash.update(buffer.subarray(0, n));
      size += n;
    }
    return { size, sha256: hash.digest('hex') };
  } catch (e) {
    return { error: e.code || 'EIO', message: e.message };
  } finally {
    fs.closeSync(fd);
  }
}
// A new file written whole (its folder made when missing), then read back and hashed. A failed write
// leaves nothing: the part written is removed.
function writeNew(file, bytes) {
  let fd;
  let created;
  try {
    try {
      fd = fs.openSync(file, 'wx');
    } catch (e) {
      if (e.code !== 'ENOENT') throw e;
      created = fs.mkdirSync(path.dirname(file), { recursive: true });
      fd = fs.openSync(file, 'wx');
    }
  } catch (e) {
    return { error: e.code || 'EIO', message: e.message };
  }
  try {
    for (let offset = 0; offset < bytes.length; ) offset += fs.writeSync(fd, bytes, offset, bytes.length - offset);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
    return { error: e.code || 'EIO', message: e.message };
  }
  fs.closeSync(fd);
  return { created, reread: digest(file) };
}
parentPort.on('message', (m) => {
  if (m.op === 'digest') {
    parentPort.postMessage({ id: m.id, results: m.files.map(digest) });
    return;
  }
  const data = new Uint8Array(m.data);
  let start = 0;
  const results = m.files.map((file, i) => {
    const end = m.ends[i];
    const result = writeNew(file, data.subarray(start, end));
    start = end;
    return result;
  });
  parentPort.postMessage({ id: m.id, results });
});
`;

/** A new file as a worker wrote it: the first folder it had to make, and the file as read back. */
export type NewFile = { created: string | undefined; reread: FileDigest } | { error: string; message: string };

type Request = { op: 'digest'; files: string[] } | { op: 'write'; files: string[]; data: ArrayBuffer; ends: number[] };

interface Pending {
  resolve: (results: unknown[]) => void;
  reject: (error: unknown) => void;
}

class HashWorker {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #failed: unknown;

  constructor(onExit: (w: HashWorker) => void) {
    this.#worker = new Worker(WORKER_SOURCE, { eval: true });
    this.#worker.on('message', ({ id, results }: { id: number; results: unknown[] }) => {
      const p = this.#pending.get(id);
      this.#pending.delete(id);
      if (this.#pending.size === 0) this.#worker.unref();
      p?.resolve(results);
    });
    const fail = (error: unknown): void => {
      this.#failed ??= error;
      for (const p of this.#pending.values()) p.reject(error);
      this.#pending.clear();
      onExit(this);
    };
    this.#worker.on('error', fail);
    this.#worker.on('exit', (code) => fail(new Error(`hash worker exited with code ${code}`)));
    // after the listeners: adding a 'message' listener refs the worker's port again
    this.#worker.unref();
  }

  get load(): number {
    return this.#pending.size;
  }

  run(request: Request): Promise<unknown[]> {
    if (this.#failed) return Promise.reject(this.#failed);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      // a request in flight keeps the process alive until its answer comes
      this.#worker.ref();
      this.#worker.postMessage({ id, ...request }, request.op === 'write' ? [request.data] : []);
    });
  }
}

const WORKERS = Math.max(1, Math.min(4, os.availableParallelism()));
const workers: HashWorker[] = [];
let nextId = 0;

/** Digests of the files at these absolute paths, in order; the least busy worker takes the batch. */
export function hashFiles(files: string[]): Promise<FileDigest[]> {
  return leastBusy().run({ op: 'digest', files }) as Promise<FileDigest[]>;
}

interface QueuedWrite {
  file: string;
  bytes: Buffer;
  resolve: (result: NewFile) => void;
  reject: (error: unknown) => void;
}

/** Writes waiting for a worker: they go together, as one message, once one is free. */
const queuedWrites: QueuedWrite[] = [];
let writesInFlight = 0;
/** Bytes in one write batch at most, so that a batch's answer does not wait on a long queue. */
const WRITE_BATCH_BYTES = 8 * 1024 * 1024;

/**
 * Writes `bytes` as the new file `file` (its folder is made when missing; an existing file fails with EEXIST) and
 * reads it back, on a worker. Writes asked for while every worker is busy are sent together when one is free, so a
 * burst of small files costs one message per batch. A failed write leaves no file.
 */
export function writeNewFile(file: string, bytes: Buffer): Promise<NewFile> {
  return new Promise((resolve, reject) => {
    queuedWrites.push({ file, bytes, resolve, reject });
    if (writesInFlight < WORKERS) sendWrites();
  });
}

function sendWrites(): void {
  let size = 0;
  let count = 0;
  while (count < queuedWrites.length && (count === 0 || size + queuedWrites[count]!.bytes.length <= WRITE_BATCH_BYTES)) {
    size += queuedWrites[count]!.bytes.length;
    count++;
  }
  if (count === 0) return;
  const batch = queuedWrites.splice(0, count);
  // one fresh buffer for the whole batch, handed over without a copy (a caller's Buffer may be a view of a
  // larger or shared one, which must not be detached)
  const data = new Uint8Array(size);
  const ends: number[] = [];
  let end = 0;
  for (const w of batch) {
    data.set(w.bytes, end);
    end += w.bytes.length;
    ends.push(end);
  }
  writesInFlight++;
  leastBusy()
    .run({ op: 'write', files: batch.map((w) => w.file), data: data.buffer, ends })
    .then(
      (results) => batch.forEach((w, i) => w.resolve(results[i] as NewFile)),
      (error: unknown) => batch.forEach((w) => w.reject(error)),
    )
    .finally(() => {
      writesInFlight--;
      sendWrites();
    });
}

function leastBusy(): HashWorker {
  const worker = workers.reduce<HashWorker | undefined>((best, w) => (!best || w.load < best.load ? w : best), undefined);
  return !worker || (worker.load > 0 && workers.length < WORKERS) ? addWorker() : worker;
}
/**
 * Starts every worker now, without waiting: a verify or audit calls this first, so the workers boot
 * (tens of milliseconds each) while it reads inventories, instead of when the first batch is ready.
 */
export function startHashWorkers(): void {
  while (workers.length < WORKERS) addWorker();
}

function addWorker(): HashWorker {
  const worker = new HashWorker((gone) => {
    const i = workers.indexOf(gone);
    if (i >= 0) workers.splice(i, 1);
  });
  workers.push(worker);
  return worker;
}

/**
 * SHA-256 of local files on worker threads, so that re-reading (verify, audit, read-back) hashes on
 * every core instead of only the event loop's: the hash, not the disk, is what bounds a fixity check of
 * data the page cache or a fast disk holds. Each worker reads with plain synchronous calls (open, read
 * until end, close: no stream, no promise per file) into one reused 128 KiB buffer, so memory stays at a
 * few MB per worker whatever the file sizes. Workers start on first use and do not keep the process
 * alive when idle.
 *
 * The same workers write small files whole and read each back (writeNewFile): ten thousand small files
 * cost the event loop one message per batch instead of a stream, a folder check and five thread-pool
 * round trips per file.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';

/** A file's size and digest, or the errno code that stopped reading it. */
export type FileDigest = { size: number; sha256: string } | { error: string; message: string };

/** The error a worker's failure stands for, with its errno code (the store's own failure mapping reads it). */
export function errnoError(failure: { error: string; message: string }): Error {
  return Object.assign(new Error(failure.message), { code: failure.error });
}

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
  // a failure here is this file's alone: it must not escape and end the worker, failing the other puts it holds
  try {
    try {
      for (let offset = 0; offset < bytes.length; ) offset += fs.writeSync(fd, bytes, offset, bytes.length - offset);
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    try { fs.rmSync(file, { force: true }); } catch {}
    return { error: e.code || 'EIO', message: e.message };
  }
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
type NewFile = { created: string | undefined; reread: FileDigest } | { error: string; message: string };

type Request = { op: 'digest'; files: string[] } | { op: 'write'; files: string[]; data: ArrayBuffer; ends: number[] };

interface Pending {
  resolve: (results: unknown[]) => void;
  reject: (error: unknown) => void;
}

class HashWorker {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #failed: unknown;

  /** `onRoom` runs after every answer: the worker can take more (a digest chunk may be waiting for room a write held). */
  constructor(onExit: (w: HashWorker) => void, onRoom: () => void) {
    this.#worker = new Worker(WORKER_SOURCE, { eval: true });
    this.#worker.on('message', ({ id, results }: { id: number; results: unknown[] }) => {
      const p = this.#pending.get(id);
      this.#pending.delete(id);
      if (this.#pending.size === 0) this.#worker.unref();
      p?.resolve(results);
      onRoom();
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

/**
 * Four workers even on fewer cores: creating a small file waits on the file system (its journal, the folder's
 * lock) far longer than it computes, and four writers at once, as many as libuv's thread pool runs, keep the disk
 * busy where one or two leave it idle between creates; a hash batch on more workers than cores only shares them.
 */
const WORKERS = 4;
const workers: HashWorker[] = [];
let nextId = 0;

/** Hashing runs on one worker per core at most: more would only share the cores (the rest serve writes, which wait on the disk). */
const HASHERS = Math.max(1, Math.min(WORKERS, os.availableParallelism()));
/**
 * Files per digest message: few enough that the workers stay evenly loaded to the end (a message is
 * not taken back once sent, and one may hold a file of gigabytes), enough that messages stay cheap.
 */
const DIGEST_CHUNK = 64;
/**
 * Digest messages a hash worker holds at most: the one it works on and a few more, so it does not wait
 * on an event loop that is busy (reading inventories, serving requests) before it gets the next. A worker
 * held up by a large file holds back at most the other three (a few MB of small files).
 */
const DIGESTS_PER_WORKER = 4;

interface QueuedDigest {
  files: string[];
  resolve: (results: FileDigest[]) => void;
  reject: (error: unknown) => void;
}

/** Digest chunks in the order asked for; a hash worker takes the next one when it has room. */
const queuedDigests: QueuedDigest[] = [];

/**
 * Digests of the files at these absolute paths, in order. The files go out in chunks, each to a hash
 * worker as it has room: a worker held up by a large file takes no more than its next chunk while the
 * others hash the rest, instead of a fixed share decided when the batch was sent.
 */
export function hashFiles(files: string[]): Promise<FileDigest[]> {
  const chunks: Promise<FileDigest[]>[] = [];
  for (let i = 0; i < files.length; i += DIGEST_CHUNK) {
    chunks.push(new Promise((resolve, reject) => queuedDigests.push({ files: files.slice(i, i + DIGEST_CHUNK), resolve, reject })));
  }
  sendDigests();
  return Promise.all(chunks).then((parts) => parts.flat());
}

function sendDigests(): void {
  while (queuedDigests.length > 0) {
    const worker = freeHasher();
    if (!worker) return;
    const chunk = queuedDigests.shift()!;
    (worker.run({ op: 'digest', files: chunk.files }) as Promise<FileDigest[]>).then(chunk.resolve, chunk.reject);
  }
}

/**
 * The least busy hash worker with room for another digest message, if any. Another worker starts only when every
 * running one is busy: a worker's start costs tens of ms of CPU, which one file's digest (a package's) does not
 * repay. A verify or audit starts them all up front (startHashWorkers).
 */
function freeHasher(): HashWorker | undefined {
  let best: HashWorker | undefined;
  for (const w of workers.slice(0, HASHERS)) if (w.load < DIGESTS_PER_WORKER && (!best || w.load < best.load)) best = w;
  if ((best === undefined || best.load > 0) && workers.length < HASHERS) return addWorker();
  return best;
}

interface QueuedWrite {
  file: string;
  bytes: Buffer;
  resolve: (result: NewFile) => void;
  reject: (error: unknown) => void;
}

/** Writes waiting for a worker: those asked for in one turn of the event loop go together, as one message. */
const queuedWrites: QueuedWrite[] = [];
let writesInFlight = 0;
let writesScheduled = false;
/**
 * Files a burst puts on a worker that has to start for them: a worker's start costs tens of ms of CPU, and a
 * package's closing files (a handful, a few KB) would otherwise start three.
 */
const WRITES_PER_WORKER_MIN = 16;
/** Bytes in one write batch at most, so that a batch's answer does not wait on a long queue. */
const WRITE_BATCH_BYTES = 8 * 1024 * 1024;

/**
 * Writes `bytes` as the new file `file` (its folder is made when missing; an existing file fails with EEXIST) and
 * reads it back, on a worker. The writes asked for in one turn of the event loop, or while every worker is busy,
 * are shared among the free workers in batches: a burst of small files costs a message per batch, not per file.
 * A failed write leaves no file.
 */
export function writeNewFile(file: string, bytes: Buffer): Promise<NewFile> {
  return new Promise((resolve, reject) => {
    queuedWrites.push({ file, bytes, resolve, reject });
    scheduleWrites();
  });
}

function scheduleWrites(): void {
  if (writesScheduled || writesInFlight >= WORKERS || queuedWrites.length === 0) return;
  writesScheduled = true;
  setImmediate(() => {
    writesScheduled = false;
    // A batch for each idle worker, and one for each WRITES_PER_WORKER_MIN files beyond those for a worker that
    // has to start (as far as there is room), split evenly.
    const waiting = queuedWrites.length;
    const idle = workers.filter((w) => w.load === 0).length;
    const batches = Math.max(1, Math.min(WORKERS - writesInFlight, idle + Math.floor(Math.max(0, waiting - idle) / WRITES_PER_WORKER_MIN)));
    const perWorker = Math.ceil(waiting / batches);
    while (queuedWrites.length > 0 && writesInFlight < WORKERS) sendWrites(perWorker);
  });
}

function sendWrites(most: number): void {
  let size = 0;
  let count = 0;
  while (count < Math.min(most, queuedWrites.length) && (count === 0 || size + queuedWrites[count]!.bytes.length <= WRITE_BATCH_BYTES)) {
    size += queuedWrites[count]!.bytes.length;
    count++;
  }
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
      scheduleWrites();
    });
}

function leastBusy(): HashWorker {
  const worker = workers.reduce<HashWorker | undefined>((best, w) => (!best || w.load < best.load ? w : best), undefined);
  return !worker || (worker.load > 0 && workers.length < WORKERS) ? addWorker() : worker;
}
/**
 * Starts the hash workers now, without waiting: a verify or audit calls this first, so the workers boot
 * (tens of milliseconds each) while it reads inventories, instead of when the first batch is ready.
 */
export function startHashWorkers(): void {
  while (workers.length < HASHERS) addWorker();
}

function addWorker(): HashWorker {
  const worker = new HashWorker((gone) => {
    const i = workers.indexOf(gone);
    if (i >= 0) workers.splice(i, 1);
    // the chunks still queued go to a new worker (each that fails rejects what it held, so this ends)
    sendDigests();
  }, sendDigests);
  workers.push(worker);
  return worker;
}

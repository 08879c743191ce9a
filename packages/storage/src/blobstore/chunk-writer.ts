/**
 * Writing a large file on a worker thread, each chunk read back and compared there.
 *
 * Where the file system allows it, the file is written and read back with O_DIRECT, between this process's memory
 * and the disk, around the page cache; only a partial first and last page go through the page cache. Why: on this
 * kind of virtual machine a buffered write costs the kernel more than anything else the ingest of a large file does,
 * and that cost changes from minute to minute (0.5–2.6 s of system time for 1 GB), because the page cache takes its
 * pages from memory the host has reclaimed (virtio-balloon free page reporting) and faults in again; a direct write
 * of 1 GB took 0.15–0.4 s of system time and about half a second (bench/README.md). The read-back of a page written
 * so comes from the disk, not from the page cache: it checks what the disk holds.
 *
 * Where O_DIRECT is refused (by the file system, at the second open or the first such write, or by the process's
 * limits: no second descriptor, no page-aligned memory) the worker writes through the page cache in 16 KiB calls:
 * Linux (6.x) gives a file written in large calls large page-cache folios, which cost about three times as much here.
 *
 * Bytes cross to the worker through slots of one shared memory, page-aligned as O_DIRECT needs (a WebAssembly
 * memory's buffer starts on a page), which also holds the worker's direct read-back. The caller's chunk is copied
 * into a slot, which is not written to again until the worker has written and compared it, so the worker writes and
 * compares exactly what the caller hashed. A byte's offset in its slot and its position in the file are the same
 * modulo a page, so every whole page goes direct.
 */
import { closeSync, constants, openSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { errnoError } from './hash-pool.ts';

/** The alignment O_DIRECT asks of positions, lengths and memory here (a multiple of any logical block size up to it). */
const PAGE = 4096;
/** Bytes per slot: one direct write call, one direct read (8 MiB ran steadier than 2 or 4 MiB, with fewer waits for a slot). */
const SLOT_BYTES = 8 * 1024 * 1024;
/** Slots in circulation: the caller fills one while the worker writes one and reads back another. */
const SLOTS = 3;
/** The slots, then the region a direct read-back lands in. */
const MEMORY_BYTES = (SLOTS + 1) * SLOT_BYTES;
/** Bytes per buffered write call (see above): 16 KiB measured fastest against 4 KiB–1 MiB. */
const PIECE_BYTES = 16 * 1024;
const WASM_PAGE = 65536;

/** Node's WebAssembly global, which the TypeScript libraries this project builds with (ES2023, no DOM) leave out. */
declare const WebAssembly: { Memory: new (size: { initial: number; maximum: number; shared: true }) => { buffer: SharedArrayBuffer } };

// Plain JavaScript run with `eval`, so it loads the same under tsx, vitest and a build.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { fd, directFd, memory, compare, slotBytes, slots: slotCount, page, piece } = workerData;
const slots = Buffer.from(memory);
let direct = directFd !== null;
// Direct reads land in the page-aligned region after the slots; buffered ones off a page boundary: copying
// page-cache pages into a page-aligned buffer runs about three times slower here (compare-back.ts).
const alignedBack = slots.subarray(slotCount * slotBytes);
let offPageBack;
const back = () => (direct ? alignedBack : (offPageBack ??= Buffer.allocUnsafeSlow(slotBytes + 64).subarray(64)));

const call = (op, ...args) => new Promise((resolve, reject) => op(...args, (e, n) => (e ? reject(e) : resolve(n))));

/** The whole pages of [from, to) in a slot, or none. */
function wholePages(from, to) {
  const start = Math.ceil(from / page) * page;
  const end = Math.floor(to / page) * page;
  return direct && start < end ? { start, end } : undefined;
}

function writeBuffered(base, from, to, position) {
  for (let at = from; at < to; ) at += fs.writeSync(fd, slots, base + at, Math.min(piece, to - at), position + at);
}

async function write({ slot, from, to, position }) {
  const base = slot * slotBytes;
  const pages = wholePages(from, to);
  if (!pages) return writeBuffered(base, from, to, position);
  writeBuffered(base, from, pages.start, position);
  try {
    for (let at = pages.start; at < pages.end; ) at += await call(fs.write, directFd, slots, base + at, pages.end - at, position + at);
  } catch (e) {
    // a file system that opens with O_DIRECT but will not write so (a coarser alignment): through the page cache
    if (e.code !== 'EINVAL' && e.code !== 'EOPNOTSUPP') throw e;
    direct = false;
    writeBuffered(base, pages.start, pages.end, position);
  }
  writeBuffered(base, pages.end, to, position);
}

function readBuffered(into, from, to, position) {
  for (let at = from; at < to; ) {
    const n = fs.readSync(fd, into, at, to - at, position + at);
    if (n === 0) return false;
    at += n;
  }
  return true;
}

/** Reads [from, to) of the slot's place in the file into the same offsets of the read-back buffer; compares. */
async function readBack({ slot, from, to, position }) {
  const into = back();
  const pages = wholePages(from, to);
  let whole;
  if (!pages) whole = readBuffered(into, from, to, position);
  else {
    whole = readBuffered(into, from, pages.start, position) && readBuffered(into, pages.end, to, position);
    for (let at = pages.start; whole && at < pages.end; ) {
      const n = await call(fs.read, directFd, into, at, pages.end - at, position + at);
      if (n === 0) whole = false;
      at += n;
    }
  }
  const base = slot * slotBytes;
  return whole && into.subarray(from, to).equals(slots.subarray(base + from, base + to));
}

// One write and one read-back at a time, each in the order the slots came: the disk writes a slot while the one
// before it is read back.
let writing = Promise.resolve();
let reading = Promise.resolve();
const settled = (p) => p.then(() => undefined, () => undefined);
parentPort.on('message', (job) => {
  const written = writing.then(() => write(job));
  writing = settled(written);
  const checked = written.then(() => {
    if (!compare) return true;
    const same = reading.then(() => readBack(job));
    reading = settled(same);
    return same;
  });
  checked.then(
    (same) => parentPort.postMessage({ slot: job.slot, same }),
    (e) => parentPort.postMessage({ slot: job.slot, error: e.code || 'EIO', message: e.message }),
  );
});
`;

/**
 * Slot memories of writers that finished, for the next: a WebAssembly memory is freed only when garbage collection
 * finds it, which may be long after its writer is done (six large files in one ingest held six, 144 MB).
 */
const idleSlotMemories: SlotMemory[] = [];

/** The slots' memory, and whether it starts on a page (else the writes go through the page cache). */
interface SlotMemory {
  buffer: SharedArrayBuffer;
  aligned: boolean;
}

function slotMemory(): SlotMemory {
  const idle = idleSlotMemories.pop();
  if (idle) return idle;
  try {
    return { buffer: new WebAssembly.Memory({ initial: MEMORY_BYTES / WASM_PAGE, maximum: MEMORY_BYTES / WASM_PAGE, shared: true }).buffer, aligned: true };
  } catch {
    // V8 reserves gigabytes of address space around a WebAssembly memory, which a limit on it (ulimit -v) refuses
    return { buffer: new SharedArrayBuffer(MEMORY_BYTES), aligned: false };
  }
}

type Answer = { slot: number; same: boolean } | { slot: number; error: string; message: string };

/** A slot being filled: where its byte 0 sits in the file, and its filled bytes [from, to). */
interface Filling {
  slot: number;
  position: number;
  from: number;
  to: number;
}

export class ChunkWriter {
  /**
   * Whether the file is written around the page cache (O_DIRECT): its bytes then need no early write-back. A file
   * system that opens with O_DIRECT and then refuses such a write leaves this true; the final sync writes it back.
   */
  readonly direct: boolean;
  readonly #worker: Worker;
  readonly #memory: SlotMemory;
  readonly #slots: Buffer;
  readonly #directFd: number | undefined;
  readonly #free: number[] = [];
  /** Callers waiting for a slot to come back. */
  readonly #waiting: (() => void)[] = [];
  #filling: Filling | undefined;
  /** Where the next chunk must start: chunks follow each other. */
  #next: number | undefined;
  #out = 0;
  #same = true;
  #failure: { cause: unknown } | undefined;
  #closed: Promise<void> | undefined;

  /**
   * Writes to `fd`, the open file `file` (open for reading too when `compare`), which the caller keeps open until
   * finish() or cancel() has returned; with `direct` and where the file system allows it, through a descriptor of
   * its own opened with O_DIRECT.
   */
  constructor(fd: number, file: string, { compare, direct }: { compare: boolean; direct: boolean }) {
    this.#memory = slotMemory();
    this.#slots = Buffer.from(this.#memory.buffer);
    this.#directFd = direct && this.#memory.aligned ? openDirect(file, compare) : undefined;
    this.direct = this.#directFd !== undefined;
    for (let slot = SLOTS - 1; slot >= 0; slot--) this.#free.push(slot);
    try {
      this.#worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { fd, directFd: this.#directFd ?? null, memory: this.#memory.buffer, compare, slotBytes: SLOT_BYTES, slots: SLOTS, page: PAGE, piece: PIECE_BYTES },
      });
    } catch (e) {
      if (this.#directFd !== undefined) closeSync(this.#directFd);
      idleSlotMemories.push(this.#memory);
      throw e;
    }
    this.#worker.on('message', (answer: Answer) => {
      this.#out--;
      this.#free.push(answer.slot);
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
   * Copies `chunk`, to be written at `position` (where the previous chunk ended), into the worker's slots: returns
   * once it is copied, waiting while every slot is out. Throws what an earlier write met.
   */
  async write(chunk: Buffer, position: number): Promise<void> {
    if (this.#next !== undefined && position !== this.#next) throw new Error(`ChunkWriter: a chunk at ${position} does not follow the one that ended at ${this.#next}`);
    this.#next = position + chunk.length;
    for (let offset = 0; offset < chunk.length; ) {
      const filling = this.#filling ?? (this.#filling = await this.#slotFor(position + offset));
      const n = Math.min(chunk.length - offset, SLOT_BYTES - filling.to);
      chunk.copy(this.#slots, filling.slot * SLOT_BYTES + filling.to, offset, offset + n);
      filling.to += n;
      offset += n;
      if (filling.to === SLOT_BYTES) this.#send();
    }
  }

  /** Waits for every write; throws what any met. Whether each chunk read back was the chunk written. */
  async finish(): Promise<{ same: boolean }> {
    try {
      if (this.#filling && !this.#failure) this.#send();
      while (this.#out > 0 && !this.#failure) await new Promise<void>((wake) => this.#waiting.push(wake));
      if (this.#failure) throw this.#failure.cause;
      return { same: this.#same };
    } finally {
      await this.#close();
    }
  }

  /** The write is abandoned: stops the worker (a write call it is in finishes first). */
  async cancel(): Promise<void> {
    await this.#close();
  }

  #send(): void {
    const { slot, position, from, to } = this.#filling!;
    this.#filling = undefined;
    this.#out++;
    this.#worker.postMessage({ slot, position, from, to });
  }

  /** A free slot whose byte 0 sits on the page boundary at or before `position`. */
  async #slotFor(position: number): Promise<Filling> {
    for (;;) {
      if (this.#failure) throw this.#failure.cause;
      const slot = this.#free.pop();
      if (slot !== undefined) {
        const offset = position % PAGE;
        return { slot, position: position - offset, from: offset, to: offset };
      }
      await new Promise<void>((wake) => this.#waiting.push(wake));
    }
  }

  /**
   * Stops the worker, then closes the direct descriptor and gives the slots to the next writer: no read or write of
   * the worker's can be pending on either by then.
   */
  #close(): Promise<void> {
    this.#closed ??= this.#worker.terminate().then(() => {
      try {
        if (this.#directFd !== undefined) closeSync(this.#directFd);
      } finally {
        idleSlotMemories.push(this.#memory);
      }
    });
    return this.#closed;
  }
}

/**
 * A second descriptor of `file` opened with O_DIRECT, or none where it cannot be had: the file system refuses the flag
 * (EINVAL), the process has no descriptor to spare (EMFILE), the file's mode forbids opening it again (EACCES). The
 * caller's descriptor then writes it all.
 */
function openDirect(file: string, forReading: boolean): number | undefined {
  try {
    return openSync(file, (forReading ? constants.O_RDWR : constants.O_WRONLY) | constants.O_DIRECT);
  } catch {
    return undefined;
  }
}

/**
 * Durability on local disk: data is only safe once the file AND the directory entry that names
 * it have reached the disk. A rename without a directory fsync can vanish after a power cut.
 */
import { randomUUID } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ChunkWriter } from './chunk-writer.ts';
import { WriteComparer, type Comparison } from './compare-back.ts';
import { TEMP_PREFIX } from './inputs.ts';
import { FileReReader } from './reread.ts';
import type { PutResult } from './store.ts';

/** Flushes a directory's entries (new, renamed or removed names in it) to disk. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes every byte of `chunk` (a write may take fewer bytes than offered), at `position` when given, else at
 * the handle's current offset.
 */
export async function writeAll(handle: FileHandle, chunk: Buffer, position?: number): Promise<void> {
  let offset = 0;
  while (offset < chunk.length) {
    const at = position === undefined ? null : position + offset;
    const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset, at);
    offset += bytesWritten;
  }
}

export interface DurableWriteOptions {
  /** Sees every byte on the way to disk (a Sha256Meter), in the same pass. */
  through?: Transform;
  /**
   * Runs once the bytes are written, before the rename; a throw abandons the write. `reread` is what
   * reading the file back while writing it found, when `reread` was asked for (and, for 'hash', the
   * file was large enough to be followed).
   */
  beforeRename?: (reread: PutResult | Comparison | undefined) => void;
  /**
   * Read the file back while writing it. 'compare': every chunk, byte for byte with what was written
   * (compare-back.ts; for bytes `through` hashes). 'hash': a large file's SHA-256 on a worker thread
   * (reread.ts; for bytes hashed by someone else, whose digest this checks); files smaller than
   * LARGE_FILE_FROM are not followed (a worker's start costs more than reading them back afterwards).
   */
  reread?: 'compare' | 'hash';
  /**
   * false: skip the file and folder fsyncs; the caller makes the write durable later in one
   * batch (LocalBlobStore.flush). The rename still makes the write atomic for readers.
   */
  sync?: boolean;
}

/**
 * Streams `source` into a temp file beside `file`, fsyncs it, renames it over `file` and fsyncs
 * the directory: readers see the old file or the new one whole, never a part. The directory
 * must exist. On any failure the temp file is removed and `file` is untouched.
 */
export async function writeFileDurably(
  file: string,
  source: Readable | AsyncIterable<Buffer>,
  options: DurableWriteOptions = {},
): Promise<void> {
  const dir = path.dirname(file);
  const temp = path.join(dir, `${TEMP_PREFIX}${randomUUID()}`);
  // read and write: a file compared as it is written is read back through the same handle
  const handle = await open(temp, options.reread === 'compare' ? 'wx+' : 'wx');
  const comparer = options.reread === 'compare' ? new WriteComparer(handle) : undefined;
  let rereader: FileReReader | undefined;
  let chunkWriter: ChunkWriter | undefined;
  try {
    // The disk's own error (ENOSPC, EIO) is the one to report: when the sink throws, Node 20's pipeline
    // may reject with the AbortError of the source it tears down instead.
    let diskError: unknown;
    const writeback = new EarlyWriteback(handle);
    let written = 0;
    let told = 0;
    // One write in flight while the next chunk is hashed (by `through`, upstream) and the one before it is
    // compared: awaiting each write before touching the next chunk leaves the disk thread and this one
    // taking turns.
    let inFlight: Promise<void> | undefined;
    let previous: { chunk: Buffer; position: number } | undefined;
    const landed = async (): Promise<void> => {
      await inFlight;
      if (diskError !== undefined) throw diskError;
    };
    const sink = async (chunks: AsyncIterable<Buffer>): Promise<void> => {
      let issued = 0;
      for await (const chunk of chunks) {
        await landed();
        // a large file goes on from a worker (chunk-writer.ts); bytes whose digest is claimed stay here, where the
        // re-reading worker can follow the writes
        if (!chunkWriter && issued >= LARGE_FILE_FROM && options.reread !== 'hash') {
          if (previous) comparer?.wrote(previous.chunk, previous.position);
          previous = undefined;
          chunkWriter = new ChunkWriter(handle.fd, temp, { compare: comparer !== undefined, direct: true });
        }
        if (chunkWriter) {
          await chunkWriter.write(chunk, issued);
          issued += chunk.length;
          // bytes written around the page cache are on their way to the disk already
          if (!chunkWriter.direct) writeback.wrote(chunk.length);
          continue;
        }
        written = issued;
        // a write's failure is kept, never left as a rejected promise nobody waits on yet
        inFlight = writeAll(handle, chunk, issued).then(undefined, (e: unknown) => void (diskError ??= e));
        if (previous) comparer?.wrote(previous.chunk, previous.position);
        previous = { chunk, position: issued };
        issued += chunk.length;
        writeback.wrote(chunk.length);
        if (options.reread === 'hash' && !rereader && issued >= LARGE_FILE_FROM) rereader = new FileReReader(temp);
        // the worker follows in steps: telling it of every chunk costs the writer more than it gains
        if (rereader && written - told >= REREAD_STEP) {
          rereader.advance(written);
          told = written;
        }
      }
      await landed();
      written = issued;
      if (previous) comparer?.wrote(previous.chunk, previous.position);
      if (chunkWriter && !(await chunkWriter.finish()).same) comparer?.differs();
    };
    try {
      if (options.through) await pipeline(source, options.through, sink);
      else await pipeline(source, sink);
    } catch (e) {
      await Promise.all([inFlight, writeback.settled()]);
      throw diskError ?? e;
    }
    await writeback.done();
    const [reread] = await Promise.all([comparer ? comparer.finish() : rereader?.finish(written), options.sync !== false ? handle.sync() : undefined]);
    rereader = undefined;
    await handle.close();
    options.beforeRename?.(reread);
    await rename(temp, file);
  } catch (e) {
    // the write's own failure is the one to report, and the temp file goes whatever stopping its readers meets
    await rereader?.cancel().catch(() => {});
    await chunkWriter?.cancel().catch(() => {});
    await handle.close().catch(() => {});
    await rm(temp, { force: true });
    throw e;
  }
  if (options.sync !== false) await fsyncDir(dir);
}

/**
 * Files from this size on are read back while they are written (DurableWriteOptions.reread), and written on from a
 * worker beyond it: either worker's start costs more than it saves on a smaller file.
 */
const LARGE_FILE_FROM = 64 * 1024 * 1024;
/** Bytes written between two notices to the re-reading worker. */
const REREAD_STEP = 4 * 1024 * 1024;

/** Bytes written between two early write-backs of one file. */
const WRITEBACK_EVERY = 32 * 1024 * 1024;

/**
 * Starts the disk on a large file while it is still being written: the kernel otherwise keeps up to a
 * tenth of memory dirty before writing anything, so the final fsync would wait for the whole file,
 * after the hashing that fed it instead of alongside. Every WRITEBACK_EVERY bytes an fdatasync runs in
 * the background (one at a time); it adds no guarantee, the caller's fsync or flush still makes the
 * file durable, and a failure of it (EIO) fails the write.
 */
class EarlyWriteback {
  #since = 0;
  #running: Promise<void> | undefined;
  #error: { cause: unknown } | undefined;

  constructor(private readonly handle: FileHandle) {}

  wrote(bytes: number): void {
    this.#since += bytes;
    if (this.#since < WRITEBACK_EVERY || this.#running) return;
    this.#since = 0;
    this.#running = this.handle.datasync().then(
      () => void (this.#running = undefined),
      (cause: unknown) => {
        this.#error ??= { cause };
        this.#running = undefined;
      },
    );
  }

  /** Waits for the write-back in flight; throws what any of them met. */
  async done(): Promise<void> {
    await this.#running;
    if (this.#error) throw this.#error.cause;
  }

  /** Waits for the write-back in flight without throwing (the write already failed otherwise). */
  async settled(): Promise<void> {
    await this.#running;
  }
}

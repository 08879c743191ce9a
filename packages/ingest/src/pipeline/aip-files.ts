/**
 * The submitted package as AIP files, handed to storage while validation's file pass reads them: every file of
 * the package under `submission/`, each through a bounded pipe that the pass writes with backpressure (a slow
 * store slows the read; no file is held in memory). Storage pulls files from `files()` and writes several at
 * once. The pass ends the feed in one of two ways: `close` with the closing files (receipt, report), and storage
 * commits the version; or `abort`, and the next file storage takes fails its read with the reason, so storage
 * aborts the version as it does for any failed source: every running put settled, then the version rolled back.
 */
import { Readable, Transform, type TransformCallback } from 'node:stream';
import type { AipFile } from '@bevara/storage';
import { FormatError } from '../formats/errors.ts';
import { identify, type Identification } from '../formats/identify.ts';
import { windowedSource, type FileRead, type PassSink } from '../rules/file-read.ts';
import { identificationFromRead } from '../rules/formats.ts';
import type { PackageView } from '../sip/types.ts';

export const SUBMISSION_DIR = 'submission';

/** What ingest learned about a stored package file in the pass. */
export interface StoredFile {
  /** Path inside the package. */
  path: string;
  sha256: string;
  size: number;
  identification: Identification;
}

/**
 * Storage writes each chunk it is given with a system call of its own, and a zip entry is read in 16 KiB chunks:
 * the pipe gathers them into pieces of this size, and holds at most about three pieces' worth per file.
 */
const PIECE_BYTES = 1024 * 1024;

/**
 * Files handed over that storage has not taken yet. A small file fits in its pipe whole and never makes the read
 * wait, so this is what keeps a fast read from queueing the package in memory ahead of a slow store.
 */
const WAITING_FILES = 4;

/**
 * Files from this size on are hashed by storage instead of the pass (AipFeed.add): a file read back by comparing
 * bytes costs storage less than re-hashing one whose digest the pass made, and the pass then waits for the file to
 * be stored before it judges the file, which only pays off where the file's own write is long.
 */
const STORAGE_HASHES_FROM = 64 * 1024 * 1024;

/** Where the failing file of an aborted feed claims to go; storage fails its read before anything is written. */
const ABORTED_PATH = 'metadata/submission/not-archived';

export class AipFeed {
  private readonly queue: AipFile[] = [];
  private readonly pipes = new Set<Gather>();
  /** Fail the files storage hashes whose digest has not come yet. */
  private readonly awaiting = new Set<(e: unknown) => void>();
  private end: { closing: AipFile[] } | { error: Error } | undefined;
  private wake: (() => void) | undefined;
  private taken: (() => void) | undefined;

  /**
   * A pipe for one package file's bytes, once storage has taken enough of the files before it. The bytes are
   * hashed once. A file of STORAGE_HASHES_FROM bytes or more is hashed by storage as it writes it, checked by
   * comparing what it reads back with what it wrote, and the pass takes storage's digest (PassSink.digest). A
   * smaller one is hashed by the pass: storage asks `stored` for its digest (and checks it by reading the file
   * back) once the pipe has ended, that is once the pass has judged the file. Either way storage asks `stored` for
   * the format when it describes the version.
   */
  async add(path: string, size: number, stored: () => StoredFile | undefined): Promise<PassSink> {
    while (this.queue.length >= WAITING_FILES && this.end === undefined) await new Promise<void>((resolve) => (this.taken = resolve));
    if (this.end !== undefined && 'error' in this.end) throw this.end.error;
    const pipe = new Gather();
    // Its reader, storage, reports a pipe's failure; a pipe aborted before storage took it has no reader.
    pipe.on('error', () => undefined);
    this.pipes.add(pipe);
    pipe.on('close', () => this.pipes.delete(pipe));
    const file: AipFile = {
      path: `${SUBMISSION_DIR}/${path}`,
      source: pipe,
      get format() {
        return formatOf(stored()?.identification);
      },
    };
    if (size < STORAGE_HASHES_FROM) {
      file.digest = () => {
        const judged = stored();
        if (judged === undefined) throw new Error(`${path}: storage asked for the digest of a file the pass has not judged`);
        return { size: judged.size, sha256: judged.sha256 };
      };
      this.push(file);
      return { pipe };
    }
    // Settled by storage once the file is stored or failed, or by the failure that stops it before storage takes
    // it: the pipe's own, or the feed's abort.
    const digest = new Promise<{ size: number; sha256: string }>((resolve, reject) => {
      const fail = (e: unknown) => {
        this.awaiting.delete(fail);
        reject(e);
      };
      this.awaiting.add(fail);
      pipe.on('error', fail);
      file.stored = (outcome) => {
        if ('error' in outcome) return fail(outcome.error);
        this.awaiting.delete(fail);
        resolve(outcome);
      };
    });
    digest.catch(() => undefined);
    this.push(file);
    return { pipe, digest };
  }

  /** Every package file was handed over: these follow, then storage commits. */
  close(closing: AipFile[]): void {
    if (this.end !== undefined) return;
    this.end = { closing };
    this.wake?.();
  }

  /** Nothing of this version may stay: open pipes fail (unblocking both sides) and storage aborts the version. */
  abort(error: Error): void {
    if (this.end !== undefined) return;
    this.end = { error };
    for (const pipe of this.pipes) pipe.destroy(error);
    for (const fail of this.awaiting) fail(error);
    this.queue.length = 0;
    this.wake?.();
    this.taken?.();
  }

  async *files(): AsyncGenerator<AipFile> {
    for (;;) {
      const next = this.queue.shift();
      if (next !== undefined) {
        this.taken?.();
        this.taken = undefined;
        yield next;
        continue;
      }
      if (this.end !== undefined) {
        if ('closing' in this.end) yield* this.end.closing;
        else yield { path: ABORTED_PATH, source: failingSource(this.end.error) };
        return;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }

  private push(file: AipFile): void {
    this.queue.push(file);
    this.wake?.();
  }
}

/** The pipe from the read to storage: passes the bytes on in pieces of PIECE_BYTES (the last one shorter). */
class Gather extends Transform {
  private parts: Buffer[] = [];
  private size = 0;

  constructor() {
    super({ writableHighWaterMark: PIECE_BYTES, readableHighWaterMark: PIECE_BYTES });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.parts.push(chunk);
    this.size += chunk.length;
    if (this.size >= PIECE_BYTES) this.pushPiece();
    done();
  }

  override _flush(done: TransformCallback): void {
    if (this.size > 0) this.pushPiece();
    done();
  }

  private pushPiece(): void {
    this.push(this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.size));
    this.parts = [];
    this.size = 0;
  }
}

function failingSource(error: Error): Readable {
  return new Readable({
    read() {
      this.destroy(error);
    },
  });
}

/**
 * The format of a file as the pass found it: validation's identification where it made one (fileSec files),
 * else identified here from the windows the read kept.
 */
export async function identificationOf(pkg: PackageView, path: string, read: FileRead): Promise<Identification> {
  const judged = identificationFromRead(read);
  if (judged !== undefined) return judged;
  try {
    return await identify(windowedSource(pkg, path, read), path);
  } catch (e) {
    if (!(e instanceof FormatError)) throw e;
    return { puid: null, name: null, basis: 'none', warnings: [e.message] };
  }
}

function formatOf(id: Identification | undefined): AipFile['format'] {
  if (id === undefined || id.puid === null) return undefined;
  return { puid: id.puid, ...(id.name ? { name: id.name } : {}), ...(id.mime ? { mimeType: id.mime } : {}) };
}

/**
 * The one read of a package file during validation. In a single pass it computes every digest the METS asks for
 * plus SHA-256 (for the report and ingest's PREMIS), the same digests of the file as it would be with LF line
 * endings converted to CRLF (to diagnose a METS written before such a conversion), keeps the head and tail
 * windows that format identification looks at, and, for XML Bevara must parse (PREMIS, ERMS), runs the safe
 * pre-parse on the same chunks and keeps the bytes for the DOM parse. Ingest hands a sink that receives the same
 * chunks for storage: it is written with backpressure (a slow store slows this read, nothing piles up in memory)
 * and left open for the caller to end once it has judged the file.
 */
import { createHash, type Hash } from 'node:crypto';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { IngestError } from '../errors.ts';
import { SCAN_WINDOW, type ByteSource } from '../formats/identify.ts';
import type { PackageView } from '../sip/types.ts';
import { readXmlSafely, type XmlLimits } from '../xml/safe.ts';

export interface FileRead {
  size: number;
  /** Hex digests by node:crypto algorithm name; always includes sha256. */
  digests: Map<string, string>;
  /** Size and digests of the file with every LF written as CRLF; only for text files (no NUL, no CR). */
  crlf?: { size: number; digests: Map<string, string> };
  /** The first and last SCAN_WINDOW bytes (the whole file, twice, when it is small). */
  head: Buffer;
  tail: Buffer;
  /** The document's bytes when XML was asked for and it passed the safe pre-parse. */
  xml?: Buffer;
  /** Why the safe pre-parse refused the document, when XML was asked for. */
  xmlError?: IngestError;
}

export interface ReadRequest {
  /** node:crypto algorithm names besides sha256. */
  algorithms: readonly string[];
  /** Run the safe XML pre-parse on the same chunks and keep the document's bytes. */
  xml?: { limits?: Partial<XmlLimits> };
  /**
   * Also receives every chunk, in order. Destroyed with the error when the read fails. Left open for the caller to
   * end, unless it hashes what it receives (`digest`).
   */
  sink?: PassSink;
}

/** Where a read's bytes go besides validation (ingest: into storage). */
export interface PassSink {
  pipe: Writable;
  /**
   * Given when the sink computes the SHA-256 of the bytes itself (storage, of the bytes it stored): the read does
   * not hash them a second time, ends the pipe once every byte is in it and takes the sink's size and digest.
   */
  digest?: Promise<{ size: number; sha256: string }>;
}

const LF = 0x0a;
const CR = 0x0d;
const CRLF = Buffer.from('\r\n');

/** Hashes the bytes as given and, while the file still looks like LF-only text, as if converted to CRLF. */
class Digester {
  private readonly hashes: [string, Hash][];
  private crlfHashes: [string, Hash][] | undefined;
  private lfCount = 0;
  size = 0;
  private headParts: Buffer[] = [];
  private headSize = 0;
  /** Ring of the last chunks, trimmed to at least SCAN_WINDOW bytes. */
  private tailParts: Buffer[] = [];
  private tailSize = 0;

  /** `sha256`: false when someone else hashes the bytes as given (PassSink.digest); the CRLF variant still is. */
  constructor(algorithms: readonly string[], sha256 = true) {
    const all = [...new Set(['sha256', ...algorithms])];
    this.hashes = all.filter((a) => sha256 || a !== 'sha256').map((a) => [a, createHash(a)]);
    this.crlfHashes = all.map((a) => [a, createHash(a)]);
  }

  update(chunk: Buffer): void {
    this.size += chunk.length;
    for (const [, h] of this.hashes) h.update(chunk);
    if (this.crlfHashes !== undefined) {
      if (chunk.includes(CR) || chunk.includes(0)) this.crlfHashes = undefined;
      else {
        let start = 0;
        for (let i = chunk.indexOf(LF); i !== -1; i = chunk.indexOf(LF, start)) {
          for (const [, h] of this.crlfHashes) { h.update(chunk.subarray(start, i)); h.update(CRLF); }
          this.lfCount++;
          start = i + 1;
        }
        if (start < chunk.length) for (const [, h] of this.crlfHashes) h.update(chunk.subarray(start));
      }
    }
    if (this.headSize < SCAN_WINDOW) {
      const part = chunk.subarray(0, SCAN_WINDOW - this.headSize);
      this.headParts.push(Buffer.from(part));
      this.headSize += part.length;
    }
    this.tailParts.push(chunk);
    this.tailSize += chunk.length;
    while (this.tailParts.length > 1 && this.tailSize - this.tailParts[0]!.length >= SCAN_WINDOW) {
      this.tailSize -= this.tailParts.shift()!.length;
    }
  }

  finish(): Omit<FileRead, 'xml' | 'xmlError'> {
    const head = Buffer.concat(this.headParts, this.headSize);
    const tailAll = Buffer.concat(this.tailParts, this.tailSize);
    const tail = tailAll.subarray(Math.max(0, tailAll.length - SCAN_WINDOW));
    const digests = new Map(this.hashes.map(([a, h]) => [a, h.digest('hex')]));
    const out: Omit<FileRead, 'xml' | 'xmlError'> = { size: this.size, digests, head, tail };
    // A file without line feeds reads the same either way; only a changed file can explain a mismatch.
    if (this.crlfHashes !== undefined && this.lfCount > 0) {
      out.crlf = { size: this.size + this.lfCount, digests: new Map(this.crlfHashes.map(([a, h]) => [a, h.digest('hex')])) };
    }
    return out;
  }
}

export async function readPackageFile(pkg: PackageView, path: string, request: ReadRequest): Promise<FileRead> {
  const { sink } = request;
  const d = new Digester(request.algorithms, sink?.digest === undefined);
  const pipe = sink?.pipe;
  try {
    const source = await pkg.open(path);
    let read: FileRead;
    if (request.xml === undefined) {
      for await (const chunk of source) {
        d.update(chunk as Buffer);
        if (pipe) await writeWithBackpressure(pipe, chunk as Buffer);
      }
      read = d.finish();
    } else {
      read = await readWithPreParse(source, path, d, request.xml.limits, pipe);
    }
    if (sink?.digest !== undefined) await takeDigest(read, sink.pipe, sink.digest, path);
    return read;
  } catch (err) {
    pipe?.destroy(err as Error);
    throw err;
  }
}

/** The SHA-256 a hashing sink made of the bytes the read gave it, which must be all of them. */
async function takeDigest(read: FileRead, pipe: Writable, digest: Promise<{ size: number; sha256: string }>, path: string): Promise<void> {
  pipe.end();
  const { size, sha256 } = await digest;
  if (size !== read.size) throw new Error(`${path}: ${read.size} bytes were read, and the sink stored ${size}`);
  read.digests.set('sha256', sha256);
}

/**
 * The safe pre-parse reads its own copy of the chunks. When it refuses the document (DOCTYPE, limits, not
 * well-formed) the read goes on for the digests and the sink, so even a refused document is read once.
 */
async function readWithPreParse(source: Readable, path: string, d: Digester, limits: Partial<XmlLimits> | undefined, sink: Writable | undefined): Promise<FileRead> {
  const parserInput = new PassThrough();
  const parsed = readXmlSafely(parserInput, { name: path, ...(limits ? { limits } : {}) }).then(
    (xml) => ({ xml }),
    (err: unknown) => {
      if (!(err instanceof IngestError)) throw err;
      return { xmlError: err };
    },
  );
  // Settled below; until then a failure of the parse must not count as unhandled.
  parsed.catch(() => undefined);
  try {
    for await (const c of source) {
      const chunk = c as Buffer;
      d.update(chunk);
      if (sink) await writeWithBackpressure(sink, chunk);
      if (!parserInput.destroyed) await writeWithBackpressure(parserInput, chunk).catch(() => undefined);
    }
    parserInput.end();
  } catch (err) {
    parserInput.destroy();
    await parsed.catch(() => undefined);
    throw err;
  }
  return { ...d.finish(), ...(await parsed) };
}

/** Writes one chunk and waits while the destination is full; fails when the destination is destroyed meanwhile. */
async function writeWithBackpressure(to: Writable, chunk: Buffer): Promise<void> {
  if (to.destroyed) throw to.errored ?? new Error('the destination was closed');
  if (to.write(chunk)) return;
  await new Promise<void>((resolve, reject) => {
    const done = (err?: Error) => {
      to.off('drain', onDrain).off('close', onClose).off('error', done);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(to.errored ?? new Error('the destination was closed'));
    to.on('drain', onDrain).on('close', onClose).on('error', done);
  });
}

/**
 * The bytes identification asks for: served from the windows kept during the read; a range outside them (a zip
 * container's entries, a large central directory) re-opens the package entry and skips to it.
 */
export function windowedSource(pkg: PackageView, path: string, read: FileRead): ByteSource {
  const { size, head, tail } = read;
  let whole: Buffer | undefined;
  return {
    size,
    async read(offset, length) {
      if (offset + length <= head.length) return head.subarray(offset, offset + length);
      const tailStart = size - tail.length;
      if (offset >= tailStart) return tail.subarray(offset - tailStart, offset - tailStart + length);
      // Head and tail meet in a file of up to twice the window: together they are every byte.
      if (tailStart <= head.length) {
        whole ??= Buffer.concat([head, tail.subarray(head.length - tailStart)]);
        return whole.subarray(offset, offset + length);
      }
      const out = Buffer.allocUnsafe(length);
      let pos = 0;
      let filled = 0;
      const stream = await pkg.open(path);
      try {
        for await (const c of stream) {
          const chunk = c as Buffer;
          const from = Math.max(0, offset - pos);
          const to = Math.min(chunk.length, offset + length - pos);
          if (from < to) filled += chunk.copy(out, filled, from, to);
          pos += chunk.length;
          if (filled === length) break;
        }
      } finally {
        stream.destroy();
      }
      return out.subarray(0, filled);
    },
  };
}

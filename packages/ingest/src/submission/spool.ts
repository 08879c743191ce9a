/**
 * Spools an upload to staging once, computing its SHA-256 on the way, within a byte limit and an idle timeout.
 * Nothing is buffered beyond the stream's own chunks; on any failure the partial file is removed.
 */
import { createHash } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BevaraError, createNewFile, isNoSpaceError } from '@bevara/storage';
import { IngestError } from '../errors.ts';

export interface SpoolLimits {
  /** Largest body accepted, in bytes. */
  maxBytes: number;
  /** Longest pause between two chunks of the body before the upload is given up, in ms. */
  idleTimeoutMs: number;
}

export interface Spooled {
  file: string;
  size: number;
  sha256: string;
}

export async function spoolUpload(req: IncomingMessage, dir: string, name: string, limits: SpoolLimits): Promise<Spooled> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limits.maxBytes) {
    // Refused before reading any of the body.
    throw new IngestError('I-020', `the body is ${declared} bytes; the limit is ${limits.maxBytes}`, { limit: limits.maxBytes });
  }
  const file = path.join(dir, name);
  // opened before the 'data' listener below sets the body flowing, so no chunk passes unwritten
  const out = await mkdir(dir, { recursive: true }).then(() => createNewFile(file)).catch((e: unknown) => {
    throw ownFailure(e);
  });
  const hash = createHash('sha256');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > limits.maxBytes) return done(new IngestError('I-020', `the body exceeds the limit of ${limits.maxBytes} bytes`, { limit: limits.maxBytes }));
      hash.update(chunk);
      done(null, chunk);
    },
  });
  let timer: NodeJS.Timeout | undefined;
  const idle = () => {
    clearTimeout(timer);
    // Ending the spool (not the socket) lets the server still answer the client with a problem document.
    timer = setTimeout(() => meter.destroy(new IngestError('I-021', `no data for ${limits.idleTimeoutMs} ms`, {})), limits.idleTimeoutMs);
  };
  req.on('data', idle);
  idle();
  let complete = false;
  req.once('end', () => { complete = true; });
  try {
    await pipeline(req, meter, out);
    // A client that closes the connection early ends the stream without 'end' on some paths; a declared length must be met.
    if (!complete || (Number.isFinite(declared) && size !== declared)) throw new IngestError('I-021', `upload ended after ${size} bytes`, { received: size });
    return { file, size, sha256: hash.digest('hex') };
  } catch (e) {
    await rm(file, { force: true });
    if (e instanceof IngestError) throw e;
    if (isNoSpaceError(e)) throw ownFailure(e);
    throw new IngestError('I-021', 'upload cut off before its end', { received: size }, { cause: e });
  } finally {
    clearTimeout(timer);
    req.off('data', idle);
  }
}

/** A failure of the archive's own disk, not of the upload: a full staging disk is S-025 (507, retry later). */
function ownFailure(e: unknown): unknown {
  return isNoSpaceError(e) ? new BevaraError('S-025', 'no space left in staging for the upload', {}, { cause: e }) : e;
}

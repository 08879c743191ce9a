import { createCipheriv, createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { serializeXml, type XmlElement } from './xml.ts';

/**
 * What a file of a generated package holds. Small files are bytes or an XML tree (serialised on
 * demand, so a mutation of the tree is what gets written); large files are a stream producer with
 * size and digest known up front, so nothing large is ever held in memory.
 */
export type Content =
  | { kind: 'bytes'; data: Uint8Array }
  | { kind: 'xml'; root: XmlElement }
  | { kind: 'stream'; size: number; sha256: string; open: () => Readable };

export function bytesContent(data: Uint8Array | string): Content {
  return { kind: 'bytes', data: typeof data === 'string' ? Buffer.from(data, 'utf8') : data };
}

export function xmlContent(root: XmlElement): Content {
  return { kind: 'xml', root };
}

/** The bytes of an in-memory content; streams have none (they may be a gigabyte). */
export function smallBytes(content: Content): Uint8Array | undefined {
  if (content.kind === 'bytes') return content.data;
  if (content.kind === 'xml') return Buffer.from(serializeXml(content.root), 'utf8');
  return undefined;
}

export function contentInfo(content: Content): { size: number; sha256: string } {
  const bytes = smallBytes(content);
  if (bytes === undefined) {
    if (content.kind !== 'stream') throw new Error('generator: unreachable content kind');
    return { size: content.size, sha256: content.sha256 };
  }
  return { size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}

export function openContent(content: Content): Readable {
  if (content.kind === 'stream') return content.open();
  const bytes = smallBytes(content) ?? new Uint8Array();
  return Readable.from([Buffer.from(bytes)], { objectMode: false });
}

const CHUNK = 1 << 20;

/**
 * A deterministic pseudo-random byte stream: the AES-128-CTR keystream of a key derived from the
 * seed. It is fast (the big-file benchmark needs a gigabyte) and does not compress, like real
 * recorded media. `prefix` is written first (a file header).
 */
export function noiseContent(seed: string, size: number, prefix: Uint8Array = new Uint8Array()): Content {
  const keyIv = createHash('sha256').update(`noise:${seed}`).digest();
  const make = () => createCipheriv('aes-128-ctr', keyIv.subarray(0, 16), keyIv.subarray(16, 32));
  const zeros = Buffer.alloc(CHUNK);
  const bodySize = size - prefix.length;
  // The digest is computed once here by running the keystream; writing runs it again.
  const hash = createHash('sha256').update(prefix);
  const cipher = make();
  for (let left = bodySize; left > 0; left -= CHUNK) hash.update(cipher.update(zeros.subarray(0, Math.min(CHUNK, left))));
  const sha256 = hash.digest('hex');
  return {
    kind: 'stream',
    size,
    sha256,
    open: () => Readable.from(noiseChunks(make(), prefix, bodySize, zeros)),
  };
}

function* noiseChunks(cipher: ReturnType<typeof createCipheriv>, prefix: Uint8Array, bodySize: number, zeros: Buffer): Generator<Buffer> {
  if (prefix.length > 0) yield Buffer.from(prefix);
  for (let left = bodySize; left > 0; left -= CHUNK) yield cipher.update(zeros.subarray(0, Math.min(CHUNK, left)));
}

/**
 * The safe pre-parse every XML document goes through before libxmljs2 sees it. libxml2 has open CVEs reached
 * through entity references, so a streaming byte-level scan (scan.ts) first refuses any DOCTYPE (and with it every
 * entity declaration), over-deep nesting and over-large documents, in the same read that collects the bytes. Only
 * a document that passes is handed on, as the bytes read (bounded by `maxBytes`), so the file is read once.
 * Well-formedness, undefined entity references included, is judged by the DOM parse (dom.ts), with no DTD to
 * resolve them from.
 */
import type { Readable } from 'node:stream';
import { IngestError } from '../errors.ts';
import { lineOf, MarkupScanner } from './scan.ts';

export interface XmlLimits {
  /** Largest document accepted, in bytes. A 10,000-file METS is about 10 MB. */
  maxBytes: number;
  /** Deepest element nesting accepted. */
  maxDepth: number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = { maxBytes: 512 * 1024 * 1024, maxDepth: 256 };

export interface SafeXmlOptions {
  /** Name used in error details and locations. */
  name: string;
  limits?: Partial<XmlLimits>;
}

/** Reads a stream, refusing unsafe XML; returns the document's bytes for the DOM parse. */
export async function readXmlSafely(source: Readable, options: SafeXmlOptions): Promise<Buffer> {
  const limits = { ...DEFAULT_XML_LIMITS, ...options.limits };
  const name = options.name;
  // The chunks are kept for the DOM parse that follows; their total is bounded by maxBytes, checked per chunk.
  const chunks: Buffer[] = [];
  const scanner = new MarkupScanner(name, limits.maxDepth, (offset) => lineOf(chunks, offset));
  let size = 0;
  let headChecked = false;
  try {
    for await (const data of source) {
      const chunk = Buffer.isBuffer(data) ? data : Buffer.from(data as string);
      size += chunk.length;
      if (size > limits.maxBytes) {
        throw new IngestError('I-010', 'XML exceeds the size limit', { file: name, limit: limits.maxBytes });
      }
      chunks.push(chunk);
      if (!headChecked && size >= HEAD_BYTES) {
        refuseForeignEncoding(Buffer.concat(chunks, Math.min(size, HEAD_BYTES)), name);
        headChecked = true;
      }
      scanner.write(chunk);
    }
    if (!headChecked) refuseForeignEncoding(Buffer.concat(chunks, Math.min(size, HEAD_BYTES)), name);
  } catch (err) {
    source.destroy();
    if (err instanceof IngestError) throw err;
    throw new IngestError('I-011', 'XML could not be read', { file: name }, { cause: err });
  }
  return Buffer.concat(chunks, size);
}

/** How much of the document's start is looked at for its encoding. */
const HEAD_BYTES = 1024;

/** Encodings in which markup is written in ASCII bytes, as the scan reads it. */
const ASCII_COMPATIBLE = /^(utf-?8|us-ascii|ascii|iso[-_]?8859-\d+|latin-?\d|windows-125\d|cp125\d)$/i;

/**
 * The scan reads markup as ASCII bytes, but libxml2 decodes a document by its byte-order mark, its first bytes
 * (UTF-16, UTF-32, EBCDIC) and its declared encoding (UTF-7, for one, writes '<' as '+ADw-'). A DOCTYPE in any of
 * those would pass the scan unseen, so a document is accepted only in an ASCII-compatible encoding: it starts,
 * after an optional UTF-8 byte-order mark and white space, with '<', and declares no other encoding.
 */
function refuseForeignEncoding(head: Buffer, name: string): void {
  const refuse = (why: string) => new IngestError('I-011', `XML is not UTF-8 or an ASCII-compatible encoding: ${why}`, { file: name });
  let i = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0d || head[i] === 0x0a)) i++;
  // An empty document is the DOM parse's to refuse.
  if (i >= head.length) return;
  if (head[i] !== 0x3c) throw refuse('it does not begin with "<"');
  if (head[i + 1] === 0x00) throw refuse('it is UTF-16 or UTF-32');
  const start = head.subarray(i).toString('latin1');
  if (/^<\?xml[ \t\r\n]/.test(start) && !start.includes('?>')) throw refuse(`its XML declaration runs past the first ${HEAD_BYTES} bytes`);
  const encoding = /^<\?xml[ \t\r\n][^>]*?encoding[ \t\r\n]*=[ \t\r\n]*(["'])([^"']*)\1/.exec(start)?.[2];
  if (encoding !== undefined && !ASCII_COMPATIBLE.test(encoding)) throw refuse(`it declares encoding "${encoding}"`);
}

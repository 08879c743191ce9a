/**
 * The safe pre-parse every XML document goes through before libxmljs2 sees it. libxml2 has open CVEs reached
 * through entity references, so a streaming saxes pass first refuses any DOCTYPE (and with it every entity
 * declaration), undefined entity references, over-deep nesting and over-large documents. Only a document that
 * passes is handed on, as the bytes read (bounded by `maxBytes`), so the file is read once.
 */
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { SaxesParser } from 'saxes';
import { IngestError } from '../errors.ts';

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
  /** Sees every chunk as it is read, e.g. to hash the file in the same pass. */
  observe?: (chunk: Buffer) => void;
}

/** Reads a stream, refusing unsafe or malformed XML; returns the document's bytes for the DOM parse. */
export async function readXmlSafely(source: Readable, options: SafeXmlOptions): Promise<Buffer> {
  const limits = { ...DEFAULT_XML_LIMITS, ...options.limits };
  const name = options.name;
  const parser = new SaxesParser({ position: true });
  let depth = 0;
  parser.on('doctype', () => {
    throw new IngestError('I-009', 'XML declares a DOCTYPE; DTDs and entities are refused', {
      file: name,
      line: parser.line,
    });
  });
  parser.on('opentagstart', () => {
    depth++;
    if (depth > limits.maxDepth) {
      throw new IngestError('I-010', 'XML nesting exceeds the depth limit', { file: name, limit: limits.maxDepth });
    }
  });
  parser.on('closetag', () => {
    depth--;
  });
  parser.on('error', (err) => {
    throw new IngestError('I-011', `XML is not well-formed: ${err.message}`, { file: name, line: parser.line });
  });

  const decoder = new StringDecoder('utf8');
  // The chunks are kept for the DOM parse that follows; their total is bounded by maxBytes, checked per chunk.
  const chunks: Buffer[] = [];
  let size = 0;
  let first = true;
  try {
    for await (const data of source) {
      const chunk = Buffer.isBuffer(data) ? data : Buffer.from(data as string);
      if (first) {
        refuseUtf16(chunk, name);
        first = false;
      }
      size += chunk.length;
      if (size > limits.maxBytes) {
        throw new IngestError('I-010', 'XML exceeds the size limit', { file: name, limit: limits.maxBytes });
      }
      options.observe?.(chunk);
      chunks.push(chunk);
      parser.write(decoder.write(chunk));
    }
    parser.write(decoder.end());
    parser.close();
  } catch (err) {
    source.destroy();
    if (err instanceof IngestError) throw err;
    throw new IngestError('I-011', 'XML could not be read', { file: name }, { cause: err });
  }
  return Buffer.concat(chunks, size);
}

function refuseUtf16(chunk: Buffer, name: string): void {
  // saxes reads the bytes as UTF-8; a UTF-16 document would slip past the DOCTYPE check unseen, so it is refused.
  const b0 = chunk[0];
  const b1 = chunk[1];
  if ((b0 === 0xfe && b1 === 0xff) || (b0 === 0xff && b1 === 0xfe) || b0 === 0x00 || b1 === 0x00) {
    throw new IngestError('I-011', 'XML is not UTF-8 or an ASCII-compatible encoding', { file: name });
  }
}

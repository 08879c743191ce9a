/**
 * The searchable text of a stored document: PDF (pdfjs-dist, legacy build for Node, on a worker thread:
 * pdf-worker.ts), plain text, and the text nodes of XML (saxes, a streaming parser that never resolves
 * entities or DOCTYPEs). Text is capped so one huge document cannot bloat the index; a document that cannot
 * be read gives no text rather than failing the catalog row of its AIP.
 */
import { SaxesParser } from 'saxes';
import { PdfTextWorker, type DocumentText, type PdfBudget } from './pdf-worker.ts';

export type { DocumentText, TextOutcome } from './pdf-worker.ts';

/** Characters of text kept per document. */
export const MAX_TEXT_CHARS = 200_000;
/** Documents larger than this are not read for text (their metadata is still searchable). */
export const MAX_TEXT_SOURCE_BYTES = 32 * 1024 * 1024;

export type TextKind = 'pdf' | 'text' | 'xml';

/** Which reader fits a file, by MIME type first and name second; undefined when none does. */
export function textKindOf(path: string, mimeType: string | null): TextKind | undefined {
  const mime = (mimeType ?? '').toLowerCase();
  const name = path.toLowerCase();
  if (mime === 'application/pdf' || name.endsWith('.pdf')) return 'pdf';
  if (mime.endsWith('/xml') || mime.endsWith('+xml') || name.endsWith('.xml')) return 'xml';
  if (mime.startsWith('text/plain') || name.endsWith('.txt')) return 'text';
  return undefined;
}

/** `budget`: shared by one AIP's documents (pdfBudget()). */
export async function extractText(kind: TextKind, bytes: Buffer, budget: PdfBudget = pdfBudget()): Promise<DocumentText> {
  let read: DocumentText;
  try {
    read = kind === 'pdf' ? await pdfWorker.text(bytes, budget) : { text: kind === 'xml' ? xmlText(bytes) : bytes.toString('utf8'), outcome: 'read' };
  } catch {
    return { text: '', outcome: 'unreadable' };
  }
  return { text: normalise(read.text).slice(0, MAX_TEXT_CHARS), outcome: read.outcome };
}

function normalise(text: string): string {
  return text.normalize('NFC').replace(/\s+/g, ' ').trim();
}

function xmlText(bytes: Buffer): string {
  const parser = new SaxesParser({ xmlns: false });
  const parts: string[] = [];
  let length = 0;
  const keep = (t: string) => {
    if (length < MAX_TEXT_CHARS) {
      parts.push(t);
      length += t.length;
    }
  };
  parser.on('text', keep);
  parser.on('cdata', keep);
  // A DOCTYPE is never expanded: its internal subset is skipped, not interpreted.
  parser.on('doctype', () => undefined);
  parser.write(bytes.toString('utf8')).close();
  return parts.join(' ');
}

/**
 * Generous for a real document (pdf.js reads a few pages of text in milliseconds, hundreds in a second or two);
 * what takes longer is treated as unreadable.
 */
const PDF_DOCUMENT_MILLIS = 60_000;
/** pdf.js holds a parsed document of MAX_TEXT_SOURCE_BYTES in a few times its size. */
const PDF_MEMORY_MB = 512;
/** Documents of one AIP that may pass a limit before the rest of its PDFs are not read. */
const PDF_OVER_LIMIT_PER_AIP = 2;
/** Time all of one AIP's PDFs may take, after which the rest are not read (some thousands of ordinary ones fit). */
const PDF_MILLIS_PER_AIP = 10 * 60_000;

const pdfWorker = new PdfTextWorker({ documentMillis: PDF_DOCUMENT_MILLIS, memoryMb: PDF_MEMORY_MB, maxChars: MAX_TEXT_CHARS });

/** A budget for one AIP's PDFs. */
export function pdfBudget(): PdfBudget {
  return { overLimitLeft: PDF_OVER_LIMIT_PER_AIP, millisLeft: PDF_MILLIS_PER_AIP };
}

/** Starts the PDF reader's worker ahead of the first document: it loads pdf.js meanwhile. */
export function preparePdfText(): void {
  pdfWorker.start();
}

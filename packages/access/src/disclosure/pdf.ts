/**
 * PDFs of disclosure: the masked derivative of a PDF and the decision document. A masked derivative is a
 * new PDF built from the pages that are released; a withheld page is replaced by a blank page of the same
 * size that says why, so its text, images and annotations are not in the file at all (an overlay would
 * leave them readable underneath). Nothing of the original's document-level metadata (title, XMP) is
 * carried over, since it may name what is withheld.
 */
import type { PDFDocument, PDFFont, PDFPage } from 'pdf-lib';
import { DisclosureError } from './errors.ts';

/** pdf-lib holds a whole PDF in memory; larger files are masked outside Bevara. */
export const MAX_MASKED_PDF_BYTES = 64 * 1024 * 1024;

export async function pdfPageCount(bytes: Uint8Array, where: string): Promise<number> {
  return (await loadPdf(bytes, where)).getPageCount();
}

/** pdf-lib is loaded when a PDF is made, not at every CLI start. */
const pdfLib = (): Promise<typeof import('pdf-lib')> => import('pdf-lib');

/** A new PDF with the 1-based `withheld` pages blanked; `label(page)` is written on each blank page. */
export async function maskPdf(bytes: Uint8Array, withheld: readonly number[], label: (page: number) => string, where: string): Promise<Uint8Array> {
  const { PDFDocument, StandardFonts } = await pdfLib();
  const source = await loadPdf(bytes, where);
  const count = source.getPageCount();
  const bad = withheld.find((p) => !Number.isInteger(p) || p < 1 || p > count);
  if (bad !== undefined) throw new DisclosureError('A-109', `${where} has ${count} pages; there is no page ${bad}`, { path: where, page: bad });
  const out = await PDFDocument.create();
  out.setProducer('Bevara');
  out.setCreator('Bevara (maskerad kopia)');
  const font = await out.embedFont(StandardFonts.Helvetica);
  const hidden = new Set(withheld);
  for (let i = 0; i < count; i++) {
    if (hidden.has(i + 1)) {
      const { width, height } = source.getPage(i).getSize();
      const blank = out.addPage([width, height]);
      writeLines(blank, font, wrap(label(i + 1), font, 10, width - 100), 50, height - 60, 10);
    } else {
      const [copy] = await out.copyPages(source, [i]);
      out.addPage(copy!);
    }
  }
  return out.save({ useObjectStreams: false });
}

async function loadPdf(bytes: Uint8Array, where: string): Promise<PDFDocument> {
  if (bytes.length > MAX_MASKED_PDF_BYTES) throw new DisclosureError('A-109', `${where} is larger than ${MAX_MASKED_PDF_BYTES} bytes`, { path: where });
  try {
    // An encrypted PDF cannot be rebuilt page by page without its password: refused, not half-masked.
    const { PDFDocument } = await pdfLib();
    return await PDFDocument.load(bytes, { updateMetadata: false });
  } catch (cause) {
    throw new DisclosureError('A-109', `${where} cannot be read as a PDF: ${(cause as Error).message}`, { path: where }, { cause });
  }
}

/** The decision document as an A4 PDF: the same lines as the text version. */
export async function textPdf(text: string, title: string): Promise<Uint8Array> {
  const { PDFDocument, StandardFonts } = await pdfLib();
  const doc = await PDFDocument.create();
  doc.setTitle(title);
  doc.setLanguage('sv-SE');
  doc.setProducer('Bevara');
  doc.setCreator('Bevara');
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const [width, height] = [595.28, 841.89];
  const size = 10.5;
  const lead = size * 1.45;
  const lines = text.split('\n').flatMap((l, i) => {
    const heading = i === 0 || (l !== '' && !l.startsWith(' ') && !l.startsWith('-') && l.length < 60 && !/[.:,]$/.test(l) && /^[A-ZÅÄÖ]/.test(l));
    return wrap(l, heading ? bold : font, size, width - 144).map((t) => ({ t, f: heading ? bold : font }));
  });
  let page: PDFPage | undefined;
  let y = 0;
  let n = 0;
  for (const line of lines) {
    if (!page || y < 72) {
      page = doc.addPage([width, height]);
      n++;
      page.drawText(`${title} – sida ${n}`, { x: 72, y: 40, size: 8, font });
      y = height - 72;
    }
    if (line.t !== '') page.drawText(safe(line.t), { x: 72, y, size, font: line.f });
    y -= lead;
  }
  return doc.save({ useObjectStreams: false });
}

function writeLines(page: PDFPage, font: PDFFont, lines: string[], x: number, y: number, size: number): void {
  lines.forEach((l, i) => page.drawText(safe(l), { x, y: y - i * size * 1.4, size, font }));
}

/** Greedy word wrap by the font's own widths. */
function wrap(line: string, font: PDFFont, size: number, max: number): string[] {
  if (line === '') return [''];
  const out: string[] = [];
  let current = '';
  for (const word of line.split(' ')) {
    const next = current === '' ? word : `${current} ${word}`;
    if (current !== '' && font.widthOfTextAtSize(safe(next), size) > max) {
      out.push(current);
      current = word;
    } else current = next;
  }
  out.push(current);
  return out;
}

/** The standard fonts encode WinAnsi: å ä ö é § – are in it; anything else becomes "?" rather than failing. */
function safe(text: string): string {
  return [...text].map((c) => (/[\x20-\x7e\u00a0-\u00ff\u2013\u2014\u2018\u2019\u201c\u201d\u2026\u20ac]/.test(c) ? c : '?')).join('');
}

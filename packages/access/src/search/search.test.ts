import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { ftsQuery } from './fts-query.ts';
import { PdfTextWorker, type PdfWorkerLimits } from './pdf-worker.ts';
import { extractText, textKindOf } from './text.ts';

describe('ftsQuery', () => {
  it('makes every word a quoted prefix term, keeping å ä ö', () => {
    expect(ftsQuery('Ärende om bygglov')).toBe('"ärende"* "om"* "bygglov"*');
    expect(ftsQuery('BN 2024/0187')).toBe('"bn"* "2024"* "0187"*');
  });

  it('cannot be an FTS5 syntax error or operator', () => {
    expect(ftsQuery('"hej" OR NEAR(a b) * -x ^y')).toBe('"hej"* "or"* "near"* "a"* "b"* "x"* "y"*');
    expect(ftsQuery('  !!! ')).toBeNull();
  });
});

describe('cursors', () => {
  it('round-trip', () => {
    expect(decodeCursor(encodeCursor({ r: 3 }))).toEqual({ r: 3 });
    expect(decodeCursor(encodeCursor({ r: 2 ** 52 + 7 }))).toEqual({ r: 2 ** 52 + 7 });
  });

  it.each([['x'.repeat(300)], ['not base64!'], [Buffer.from('{"k":1}').toString('base64url')], [Buffer.from('{"k":0.5,"r":12}').toString('base64url')], [Buffer.from('[1,2]').toString('base64url')], [Buffer.from('{"r":"1"}').toString('base64url')], [Buffer.from('{"r":1.5}').toString('base64url')], [Buffer.from('null').toString('base64url')]])(
    'refuses %s with A-004',
    (text) => {
      expect(() => decodeCursor(text)).toThrow(expect.objectContaining({ code: 'A-004' }));
    },
  );
});

describe('document text', () => {
  it('reads a PDF with Swedish letters', async () => {
    expect(await extractText('pdf', minimalPdf('Ärendet gäller åtgärd på fastigheten Öster 1:2'))).toContain('Ärendet gäller åtgärd på fastigheten Öster 1:2');
  });

  it("reads XML text nodes and never expands a DOCTYPE's entities", async () => {
    const xml = '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "EXPANDED">]><a><rad>Hej å ä ö</rad><b><![CDATA[rå text]]></b></a>';
    const text = await extractText('xml', Buffer.from(xml));
    expect(text).toBe('Hej å ä ö rå text');
  });

  it('gives no text for a file it cannot read', async () => {
    expect(await extractText('pdf', Buffer.from('not a pdf'))).toBe('');
    expect(await extractText('xml', Buffer.from('<a><b></a>'))).toBe('');
  });

  it('chooses the reader by MIME type, then name', () => {
    expect(textKindOf('x.bin', 'application/pdf')).toBe('pdf');
    expect(textKindOf('x.XML', null)).toBe('xml');
    expect(textKindOf('x.txt', 'text/plain; charset=utf-8')).toBe('text');
    expect(textKindOf('x.png', 'image/png')).toBeUndefined();
  });
});

describe('PDF worker', () => {
  // Limits are read per document (time) and per worker (heap): one object, changed between documents.
  const limits = (over: Partial<PdfWorkerLimits>): PdfWorkerLimits => ({ documentMillis: 30_000, heapMb: 256, maxChars: 1000, ...over });

  it('gives a document over its time limit no text, and the next document a new worker', async () => {
    const l = limits({ documentMillis: 1 });
    const pdf = new PdfTextWorker(l);
    // loading pdf.js alone takes longer than a millisecond
    expect(await pdf.text(minimalPdf('Beslut om bygglov'))).toBe('');
    l.documentMillis = 30_000;
    expect(await pdf.text(minimalPdf('Beslut om bygglov'))).toContain('Beslut om bygglov');
  });

  it('gives no text for a document whose worker runs out of heap, and reads the next one', async () => {
    const l = limits({ heapMb: 1 });
    const pdf = new PdfTextWorker(l);
    const [first, second] = await Promise.all([pdf.text(minimalPdf('Först')), pdf.text(minimalPdf('Sedan'))]);
    expect([first, second]).toEqual(['', '']);
    l.heapMb = 256;
    expect(await pdf.text(minimalPdf('Tredje'))).toContain('Tredje');
  });
});

/** A one-page PDF with one line of Helvetica text in WinAnsiEncoding (which has å ä ö), cross-reference table included. */
function minimalPdf(line: string): Buffer {
  const text = Buffer.from(line, 'latin1').toString('latin1').replace(/[\\()]/g, (c) => `\\${c}`);
  const stream = `BT /F1 12 Tf 72 720 Td (${text}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
    `<< /Length ${Buffer.byteLength(stream, 'latin1')} >>\nstream\n${stream}\nendstream`,
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

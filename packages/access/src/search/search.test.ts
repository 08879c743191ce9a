import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createDeflate } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { ftsQuery } from './fts-query.ts';
import { PdfTextWorker, type PdfBudget, type PdfWorkerLimits } from './pdf-worker.ts';
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
    expect((await extractText('pdf', minimalPdf('Ärendet gäller åtgärd på fastigheten Öster 1:2'))).text).toContain('Ärendet gäller åtgärd på fastigheten Öster 1:2');
  });

  it("reads XML text nodes and never expands a DOCTYPE's entities", async () => {
    const xml = '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "EXPANDED">]><a><rad>Hej å ä ö</rad><b><![CDATA[rå text]]></b></a>';
    expect(await extractText('xml', Buffer.from(xml))).toEqual({ text: 'Hej å ä ö rå text', outcome: 'read' });
  });

  it('gives no text for a file it cannot read, and says so', async () => {
    expect(await extractText('pdf', Buffer.from('not a pdf'))).toEqual({ text: '', outcome: 'unreadable' });
    expect(await extractText('xml', Buffer.from('<a><b></a>'))).toEqual({ text: '', outcome: 'unreadable' });
    // a document with no text in it was still read
    expect(await extractText('text', Buffer.from('  \n'))).toEqual({ text: '', outcome: 'read' });
  });

  it('chooses the reader by MIME type, then name', () => {
    expect(textKindOf('x.bin', 'application/pdf')).toBe('pdf');
    expect(textKindOf('x.XML', null)).toBe('xml');
    expect(textKindOf('x.txt', 'text/plain; charset=utf-8')).toBe('text');
    expect(textKindOf('x.png', 'image/png')).toBeUndefined();
  });
});

describe('PDF worker', () => {
  // Limits are read as each document starts: one object, changed between documents.
  const limits = (over: Partial<PdfWorkerLimits>): PdfWorkerLimits => ({ documentMillis: 30_000, memoryMb: 256, maxChars: 1000, ...over });
  const plenty = (): PdfBudget => ({ overLimitLeft: 100, millisLeft: 600_000 });

  it('gives a document over its time limit no text, and the next document a new worker', async () => {
    const l = limits({ documentMillis: 1 });
    const pdf = new PdfTextWorker(l);
    // loading pdf.js alone takes longer than a millisecond
    expect(await pdf.text(minimalPdf('Beslut om bygglov'), plenty())).toEqual({ text: '', outcome: 'over-limit' });
    l.documentMillis = 30_000;
    expect(await pdf.text(minimalPdf('Beslut om bygglov'), plenty())).toEqual({ text: expect.stringContaining('Beslut om bygglov'), outcome: 'read' });
  });

  it('ends a document that makes the process grow past the memory limit (a stream that inflates to 384 MB)', async () => {
    const pdf = new PdfTextWorker(limits({ memoryMb: 128 }));
    // the page's text comes after the spaces: read whole, the document would give it
    const bomb = await deflatedPdf(384 * 1024 * 1024, 'Slutet av sidan');
    expect(bomb.length).toBeLessThan(2 * 1024 * 1024);
    expect(await pdf.text(bomb, plenty())).toEqual({ text: '', outcome: 'over-limit' });
    expect((await pdf.text(minimalPdf('Sedan'), plenty())).text).toContain('Sedan');
    // the same document under a limit it fits in gives its text
    expect((await new PdfTextWorker(limits({ memoryMb: 4096 })).text(bomb, plenty())).text).toContain('Slutet av sidan');
  }, 60_000);

  it('gives no text when its worker dies (out of heap), and reads the next document', async () => {
    const l = limits({ memoryMb: 1 });
    const pdf = new PdfTextWorker(l);
    const budget = plenty();
    const [first, second] = await Promise.all([pdf.text(minimalPdf('Först'), budget), pdf.text(minimalPdf('Sedan'), budget)]);
    expect([first, second]).toEqual([{ text: '', outcome: 'over-limit' }, { text: '', outcome: 'over-limit' }]);
    // each counts as a document over a limit
    expect(budget.overLimitLeft).toBe(98);
    l.memoryMb = 256;
    expect((await pdf.text(minimalPdf('Tredje'), plenty())).text).toContain('Tredje');
  });

  it('reads no more of an AIP once its budget of documents over a limit is spent', async () => {
    const l = limits({ documentMillis: 1 });
    const pdf = new PdfTextWorker(l);
    const budget: PdfBudget = { overLimitLeft: 2, millisLeft: 600_000 };
    expect((await pdf.text(minimalPdf('Ett'), budget)).outcome).toBe('over-limit');
    expect((await pdf.text(minimalPdf('Två'), budget)).outcome).toBe('over-limit');
    expect(budget.overLimitLeft).toBe(0);
    l.documentMillis = 30_000;
    expect(await pdf.text(minimalPdf('Tre'), budget)).toEqual({ text: '', outcome: 'not-read' });
    expect((await pdf.text(minimalPdf('Tre'), plenty())).text).toContain('Tre');
  });

  it("reads no more of an AIP once its PDFs have taken the AIP's time", async () => {
    const pdf = new PdfTextWorker(limits({}));
    const budget: PdfBudget = { overLimitLeft: 100, millisLeft: 1 };
    // the first document may take what is left, a millisecond, and does not finish in it
    expect((await pdf.text(minimalPdf('Ett'), budget)).outcome).toBe('over-limit');
    expect(budget.millisLeft).toBeLessThanOrEqual(0);
    budget.overLimitLeft = 100;
    expect(await pdf.text(minimalPdf('Två'), budget)).toEqual({ text: '', outcome: 'not-read' });
    expect(budget.overLimitLeft).toBe(100);
    expect((await pdf.text(minimalPdf('Två'), plenty())).text).toContain('Två');
  });
});

/** A one-page PDF whose content stream (FlateDecode) is `spaces` spaces and then one line of text. */
async function deflatedPdf(spaces: number, line: string): Promise<Buffer> {
  const chunk = Buffer.alloc(1024 * 1024, 0x20);
  const parts: Buffer[] = [];
  await pipeline(
    Readable.from((function* () {
      for (let n = 0; n < spaces; n += chunk.length) yield chunk.subarray(0, Math.min(chunk.length, spaces - n));
      yield Buffer.from(`BT /F1 12 Tf 72 720 Td (${line}) Tj ET`, 'latin1');
    })()),
    createDeflate(),
    async function* (source) {
      for await (const c of source) parts.push(c as Buffer);
    },
  );
  return pdfOf(Buffer.concat(parts), '/Filter /FlateDecode');
}

/** A one-page PDF with one line of Helvetica text in WinAnsiEncoding (which has å ä ö), cross-reference table included. */
function minimalPdf(line: string): Buffer {
  const text = Buffer.from(line, 'latin1').toString('latin1').replace(/[\\()]/g, (c) => `\\${c}`);
  return pdfOf(Buffer.from(`BT /F1 12 Tf 72 720 Td (${text}) Tj ET`, 'latin1'), '');
}

/** A one-page PDF with Helvetica as /F1 and `content` as its page's content stream (`filter`: its dictionary entries). */
function pdfOf(content: Buffer, filter: string): Buffer {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
  ];
  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n', 'latin1')];
  let length = parts[0]!.length;
  const offsets: number[] = [];
  const add = (b: Buffer): void => {
    parts.push(b);
    length += b.length;
  };
  objects.forEach((o, i) => {
    offsets.push(length);
    add(Buffer.from(`${i + 1} 0 obj\n${o}\nendobj\n`, 'latin1'));
  });
  offsets.push(length);
  add(Buffer.from(`5 0 obj\n<< /Length ${content.length} ${filter} >>\nstream\n`, 'latin1'));
  add(content);
  add(Buffer.from('\nendstream\nendobj\n', 'latin1'));
  const xref = length;
  add(Buffer.from(`xref\n0 6\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`, 'latin1'));
  add(Buffer.from(`trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`, 'latin1'));
  return Buffer.concat(parts);
}

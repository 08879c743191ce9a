/**
 * Masked PDF derivatives on real PDFs, read back with Debian's pdftotext: a withheld page's text is gone
 * from the file itself (also from the raw bytes, so no overlay hides it), the other pages keep theirs, and
 * the original's document metadata (which may carry a withheld title) is not carried over.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { maskPdf, pdfPageCount, textPdf } from './pdf.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bevara-mask-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function pdftext(bytes: Uint8Array, name: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
}

async function threePages(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setTitle('Utredning MARKTITLE');
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (const marker of ['MARKPAGEONE', 'MARKPAGETWO', 'MARKPAGETHREE']) {
    doc.addPage([595, 842]).drawText(`Sida med ${marker}`, { x: 50, y: 700, size: 12, font });
  }
  return doc.save({ useObjectStreams: false });
}

describe('maskPdf', () => {
  it('drops the withheld page\'s content and keeps the others', async () => {
    const original = await threePages();
    expect(pdftext(original, 'original.pdf')).toContain('MARKPAGETWO');
    const masked = await maskPdf(original, [2], (p) => `Sidan ${p} är maskerad enligt OSL 26 kap. 1 §.`, 'test.pdf');
    const text = pdftext(masked, 'masked.pdf');
    expect(text).toContain('MARKPAGEONE');
    expect(text).toContain('MARKPAGETHREE');
    expect(text).not.toContain('MARKPAGETWO');
    expect(text).toContain('Sidan 2 är maskerad enligt OSL 26 kap. 1 §.');
    const raw = Buffer.from(masked).toString('latin1');
    expect(raw).not.toContain('MARKPAGETWO');
    expect(raw).not.toContain('MARKTITLE');
    expect(await pdfPageCount(masked, 'masked.pdf')).toBe(3);
  });

  it('refuses pages that do not exist and files that are not PDFs (A-109)', async () => {
    await expect(maskPdf(await threePages(), [4], () => '', 'test.pdf')).rejects.toMatchObject({ code: 'A-109' });
    await expect(maskPdf(await threePages(), [0], () => '', 'test.pdf')).rejects.toMatchObject({ code: 'A-109' });
    await expect(maskPdf(Buffer.from('not a pdf at all'), [1], () => '', 'x.pdf')).rejects.toMatchObject({ code: 'A-109' });
  });
});

describe('textPdf', () => {
  it('writes Swedish text that pdftotext reads back, over several pages', async () => {
    const lines = Array.from({ length: 120 }, (_, i) => `Rad ${i + 1}: överklagande till kammarrätten inom tre veckor, 6 kap. 7 § OSL – å ä ö`);
    const text = pdftext(await textPdf(['BESLUT', '', ...lines].join('\n'), 'Beslut U-2026-0001'), 'beslut.pdf');
    expect(text).toContain('Rad 120: överklagande till kammarrätten inom tre veckor, 6 kap. 7 § OSL – å ä ö');
    expect(text).toContain('Beslut U-2026-0001 – sida 2');
  });
});

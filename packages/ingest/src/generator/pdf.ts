import { createHash } from 'node:crypto';

/**
 * Writes a small one-page PDF that declares PDF/A-1b in its XMP metadata (what PRONOM's fmt/354
 * signature looks for) and carries its text in an uncompressed Helvetica stream with
 * WinAnsiEncoding, so a text extractor (and our search index) finds every word, å ä ö included.
 *
 * Limits, on purpose: the standard-14 font is not embedded and there is no ICC output intent, so a
 * strict PDF/A validator (veraPDF) would object; format identification and text extraction work.
 */
export interface PdfDocument {
  title: string;
  author: string;
  /** ISO date-time, e.g. 2024-03-12T10:15:00. */
  created: string;
  lines: string[];
}

const WRAP = 88;
const MAX_LINES = 60;

export function makePdfA(doc: PdfDocument): Uint8Array {
  const lines = doc.lines.flatMap((l) => wrap(l, WRAP)).slice(0, MAX_LINES);
  const text = ['BT', '/F1 16 Tf', '56 790 Td', '18 TL', `(${pdfString(doc.title)}) Tj`, '/F1 10 Tf', '14 TL', 'T* T*'];
  for (const line of lines) text.push(`(${pdfString(line)}) Tj T*`);
  text.push('ET');
  const contents = Buffer.from(text.join('\n') + '\n', 'latin1');
  const xmp = Buffer.from(xmpPacket(doc), 'utf8');
  const pdfDate = `D:${doc.created.replace(/[-:T]/g, '').slice(0, 14)}`;

  const objects: Buffer[] = [
    Buffer.from('<< /Type /Catalog /Pages 2 0 R /Metadata 5 0 R >>', 'latin1'),
    Buffer.from('<< /Type /Pages /Kids [3 0 R] /Count 1 >>', 'latin1'),
    Buffer.from('<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 6 0 R >>', 'latin1'),
    Buffer.from('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>', 'latin1'),
    Buffer.concat([Buffer.from(`<< /Type /Metadata /Subtype /XML /Length ${xmp.length} >>\nstream\n`, 'latin1'), xmp, Buffer.from('\nendstream', 'latin1')]),
    Buffer.concat([Buffer.from(`<< /Length ${contents.length} >>\nstream\n`, 'latin1'), contents, Buffer.from('endstream', 'latin1')]),
    Buffer.from(`<< /Title (${pdfString(doc.title)}) /Author (${pdfString(doc.author)}) /Producer (Bevara testpaketgenerator) /CreationDate (${pdfDate}) >>`, 'latin1'),
  ];

  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let offset = parts[0]!.length;
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(offset);
    const obj = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`, 'latin1'), body, Buffer.from('\nendobj\n', 'latin1')]);
    parts.push(obj);
    offset += obj.length;
  });
  const id = createHash('md5').update(contents).update(xmp).digest('hex');
  const xref = [`xref\n0 ${objects.length + 1}\n`, '0000000000 65535 f \n', ...offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`)].join('');
  const trailer = `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Info 7 0 R /ID [<${id}> <${id}>] >>\nstartxref\n${offset}\n%%EOF\n`;
  parts.push(Buffer.from(xref + trailer, 'latin1'));
  return Buffer.concat(parts);
}

/** Escapes a string for a PDF literal and maps it to WinAnsi; characters outside it become '?'. */
function pdfString(s: string): string {
  let out = '';
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 63;
    const mapped = code === 0x2013 ? '\x96' : code === 0x2014 ? '\x97' : code === 0x00a7 ? '\xa7' : code < 256 ? ch : '?';
    out += mapped === '(' || mapped === ')' || mapped === '\\' ? `\\${mapped}` : mapped;
  }
  return out;
}

function wrap(line: string, width: number): string[] {
  if (line.length <= width) return [line];
  const out: string[] = [];
  let current = '';
  for (const word of line.split(' ')) {
    if (current.length + word.length + 1 > width && current) {
      out.push(current);
      current = word;
    } else current = current ? `${current} ${word}` : word;
  }
  if (current) out.push(current);
  return out;
}

function xmpPacket(doc: PdfDocument): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return `<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
   <pdfaid:part>1</pdfaid:part>
   <pdfaid:conformance>B</pdfaid:conformance>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">${esc(doc.title)}</rdf:li></rdf:Alt></dc:title>
   <dc:creator><rdf:Seq><rdf:li>${esc(doc.author)}</rdf:li></rdf:Seq></dc:creator>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">
   <xmp:CreateDate>${doc.created}</xmp:CreateDate>
   <xmp:CreatorTool>Bevara testpaketgenerator</xmp:CreatorTool>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
   <pdf:Producer>Bevara testpaketgenerator</pdf:Producer>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>`;
}

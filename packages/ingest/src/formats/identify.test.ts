import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { isBevaraError } from '@bevara/storage';
import { bufferByteSource, fileByteSource, identify, SCAN_WINDOW, type ByteSource } from './identify.ts';

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'bevara-formats-')); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

async function idFile(name: string, content: Buffer): Promise<ReturnType<typeof identify>> {
  const path = join(dir, name);
  await writeFile(path, content);
  return identify(await fileByteSource(path), name);
}

// ---- real files, built byte by byte

const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');

const pdf14 = latin1('%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n');

function pdfa1b(): Buffer {
  const xmp = '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
    + '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about=""'
    + ' xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"><pdfaid:part>1</pdfaid:part>'
    + '<pdfaid:conformance>B</pdfaid:conformance></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>';
  return latin1(`%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Metadata 2 0 R >>\nendobj\n`
    + `2 0 obj\n<< /Type /Metadata /Subtype /XML /Length ${xmp.length} >>\nstream\n${xmp}\nendstream\nendobj\n`
    + 'trailer\n<< /Root 1 0 R >>\n%%EOF\n');
}

function crc32(b: Buffer): number {
  let c = ~0;
  for (const x of b) { c ^= x; for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1)); }
  return ~c >>> 0;
}
function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const body = Buffer.concat([latin1(type), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
function png(): Buffer {
  const ihdr = Buffer.alloc(13); ihdr.writeUInt32BE(1, 0); ihdr.writeUInt32BE(1, 4); ihdr[8] = 8;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(Buffer.from([0, 0]))), pngChunk('IEND', Buffer.alloc(0))]);
}
const gif89a = Buffer.concat([latin1('GIF89a'), Buffer.from([1, 0, 1, 0, 0, 0, 0]),
  Buffer.from([0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 1, 0]), Buffer.from([0x3b])]);
const jpegJfif101 = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]), latin1('JFIF\0'),
  Buffer.from([1, 1, 0, 0, 1, 0, 1, 0, 0]), Buffer.from([0xff, 0xdb, 0, 67, 0]), Buffer.alloc(64, 1), Buffer.from([0xff, 0xd9])]);
const tiffLE = Buffer.from([0x49, 0x49, 0x2a, 0, 8, 0, 0, 0, 1, 0, 0, 1, 3, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);

async function zip(entries: [string, string][]): Promise<Buffer> {
  const z = new yazl.ZipFile();
  for (const [name, text] of entries) z.addBuffer(Buffer.from(text), name, { compress: name !== 'mimetype' });
  z.end();
  const chunks: Buffer[] = [];
  for await (const c of z.outputStream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

const docxEntries: [string, string][] = [
  ['[Content_Types].xml', '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    + '<Default Extension="xml" ContentType="application/xml"/>'
    + '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'],
  ['_rels/.rels', '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>'],
  ['word/document.xml', '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>'],
];
const odtEntries: [string, string][] = [
  ['mimetype', 'application/vnd.oasis.opendocument.text'],
  ['content.xml', '<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" office:version="1.2"><office:body/></office:document-content>'],
  ['META-INF/manifest.xml', '<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
    + '<manifest:file-entry manifest:full-path="/" manifest:version="1.2" manifest:media-type="application/vnd.oasis.opendocument.text"/></manifest:manifest>'],
];

describe('identify: binary signatures', () => {
  it.each([
    { name: 'doc.pdf', content: pdf14, puid: 'fmt/18' },
    { name: 'scan.png', content: png(), puid: 'fmt/11' },
    { name: 'photo.jpg', content: jpegJfif101, puid: 'fmt/43' },
    { name: 'anim.gif', content: gif89a, puid: 'fmt/4' },
    { name: 'scan.tif', content: tiffLE, puid: 'fmt/353' },
    { name: 'data.xml', content: latin1('<?xml version="1.0" encoding="UTF-8"?>\n<root/>\n'), puid: 'fmt/101' },
  ])('$name is $puid by its signature', async ({ name, content, puid }) => {
    const id = await idFile(name, content);
    expect(id).toMatchObject({ puid, basis: 'signature' });
    expect(id.warnings).toBeUndefined();
  });

  it('prefers PDF/A-1b (fmt/354) over PDF 1.4 (fmt/18) by DROID priority', async () => {
    expect(await idFile('arkiv.pdf', pdfa1b())).toMatchObject({ puid: 'fmt/354', version: '1b', basis: 'signature', mime: 'application/pdf' });
  });

  it('needs the EOF-anchored part of a signature: a GIF without its trailer is not fmt/4', async () => {
    const truncated = await idFile('cut.gif', gif89a.subarray(0, gif89a.length - 1));
    expect(truncated.puid).not.toBe('fmt/4');
  });

  it('warns when the extension does not fit the identified format', async () => {
    const id = await idFile('picture.pdf', png());
    expect(id.puid).toBe('fmt/11');
    expect(id.warnings?.join(' ')).toMatch(/extension "\.pdf"/);
  });
});

describe('identify: extension fallback', () => {
  it('identifies UTF-8 text by its .txt extension (plain text has no signature)', async () => {
    const id = await idFile('brev.txt', Buffer.from('Hej från kommunen, åäö\n', 'utf8'));
    expect(id).toMatchObject({ puid: 'x-fmt/111', basis: 'extension' });
  });

  it('reports XML without a declaration as generic XML by extension, with a warning', async () => {
    const id = await idFile('nodecl.xml', latin1('<root><a/></root>\n'));
    expect(id).toMatchObject({ puid: 'fmt/101', basis: 'extension' });
    expect(id.warnings?.join(' ')).toMatch(/do not match the signature of fmt\/101/);
  });

  it('gives puid null and basis none for unknown bytes with an unknown extension', async () => {
    const id = await idFile('mystery.zzq', Buffer.from([0x13, 0x37, 0xbe, 0xef, 0x00, 0x42, 0x99]));
    expect(id).toMatchObject({ puid: null, name: null, basis: 'none' });
  });

  it('identifies an empty file by nothing but its name', async () => {
    expect(await idFile('empty.zzq', Buffer.alloc(0))).toMatchObject({ puid: null, basis: 'none' });
  });
});

describe('identify: ZIP containers', () => {
  it('identifies a DOCX by its [Content_Types].xml entry', async () => {
    expect(await idFile('rapport.docx', await zip(docxEntries))).toMatchObject({ puid: 'fmt/412', basis: 'container' });
  });

  it('identifies an ODT 1.2 by its manifest and content.xml version', async () => {
    expect(await idFile('protokoll.odt', await zip(odtEntries))).toMatchObject({ puid: 'fmt/291', basis: 'container' });
  });

  it('leaves a plain zip as ZIP', async () => {
    const id = await idFile('bundle.zip', await zip([['a.txt', 'hello'], ['b.txt', 'world']]));
    expect(id.puid).toBe('x-fmt/263');
  });

  it('keeps the outer identification, with a warning, when the zip directory is broken', async () => {
    const good = await zip(docxEntries);
    const broken = Buffer.from(good);
    const eocd = broken.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    broken.writeUInt32LE(0x7fffffff, eocd + 16); // central directory offset beyond the file
    const id = await idFile('broken.docx', broken);
    expect(id.basis).toBe('signature');
    expect(id.warnings?.join(' ')).toMatch(/zip container could not be read/);
  });
});

describe('identify: reads', () => {
  it('reads only a head and a tail window of a large file', async () => {
    const path = join(dir, 'big.pdf');
    await writeFile(path, pdf14.subarray(0, 9));
    await truncate(path, 50 * 1024 * 1024);
    const file = await fileByteSource(path);
    const reads: [number, number][] = [];
    const counted: ByteSource = { size: file.size, read: (o, l) => { reads.push([o, l]); return file.read(o, l); } };
    const id = await identify(counted, 'big.pdf');
    expect(id.puid).toMatch(/^fmt\//);
    expect(reads).toEqual([[0, SCAN_WINDOW], [file.size - SCAN_WINDOW, SCAN_WINDOW]]);
  });

  it('works on in-memory buffers', async () => {
    expect((await identify(bufferByteSource(png()), 'x.png')).puid).toBe('fmt/11');
  });

  it('fails with I-F02 for a missing file and for reads outside the source', async () => {
    let err: unknown;
    try { await fileByteSource(join(dir, 'nope.bin')); } catch (e) { err = e; }
    expect(isBevaraError(err, 'I-F02')).toBe(true);
    err = undefined;
    try { await bufferByteSource(Buffer.alloc(4)).read(2, 4); } catch (e) { err = e; }
    expect(isBevaraError(err, 'I-F02')).toBe(true);
  });
});

describe('identify: speed', () => {
  it('identifies 2,000 small in-memory files quickly once signatures are loaded', async () => {
    const samples: [string, Buffer][] = [['a.pdf', pdf14], ['a.png', png()], ['a.jpg', jpegJfif101], ['a.txt', latin1('hello\n')]];
    await identify(bufferByteSource(pdf14), 'warm.pdf');
    const t0 = performance.now();
    for (let i = 0; i < 2000; i++) {
      const [name, buf] = samples[i % samples.length]!;
      await identify(bufferByteSource(buf), name);
    }
    // 10,000 files should cost well under a second; allow for a loaded CI machine.
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});


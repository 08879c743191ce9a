import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants, crc32, createDeflateRaw } from 'node:zlib';
import { bytesContent, type Content } from './content.ts';
import { GeneratorError } from './errors.ts';
import { generatePackage } from './generate.ts';
import { invalidVariants } from './invalid.ts';
import { rawZip } from './rawzip.ts';
import type { PackageSpec } from './types.ts';
import { writeZip } from './writers.ts';

/**
 * Hostile packages for the safety tests of the unpacker, the XML reader, the validator and the HTTP
 * upload: path traversal, links, bombs, broken containers and hostile XML. Each is written by
 * `writeHostile(kind, file)`.
 */
export const HOSTILE_KINDS = [
  'zip-dotdot', 'zip-absolute', 'zip-symlink', 'zip-bomb', 'zip-truncated', 'zip-duplicate', 'zip-non-utf8-name',
  'tar-dotdot', 'tar-absolute', 'tar-symlink',
  'xml-doctype', 'xml-external-entity', 'xml-billion-laughs', 'xml-enormous',
  'mets-checksum-mismatch', 'mets-size-mismatch',
] as const;
export type HostileKind = (typeof HOSTILE_KINDS)[number];

export interface HostileOptions {
  /** zip-bomb: uncompressed size (default 1 GiB); xml-enormous: size of METS.xml (default 64 MiB). */
  bytes?: number;
}

const ROOT = 'SIP-hostile';
const METS_OK = '<?xml version="1.0" encoding="UTF-8"?>\n<mets xmlns="http://www.loc.gov/METS/" OBJID="SIP-hostile"/>\n';

/** The hostile METS.xml texts of the xml-* kinds (except the enormous one, which is streamed). */
export function hostileXml(kind: 'xml-doctype' | 'xml-external-entity' | 'xml-billion-laughs'): string {
  const open = '<?xml version="1.0" encoding="UTF-8"?>\n';
  if (kind === 'xml-doctype') return `${open}<!DOCTYPE mets [<!ELEMENT mets ANY>]>\n<mets xmlns="http://www.loc.gov/METS/" OBJID="SIP-hostile"/>\n`;
  if (kind === 'xml-external-entity') return `${open}<!DOCTYPE mets [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<mets xmlns="http://www.loc.gov/METS/" OBJID="&xxe;"/>\n`;
  const levels = ['<!ENTITY lol0 "lol">'];
  for (let i = 1; i <= 9; i++) levels.push(`<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`);
  return `${open}<!DOCTYPE mets [\n${levels.join('\n')}\n]>\n<mets xmlns="http://www.loc.gov/METS/" OBJID="&lol9;"/>\n`;
}

export async function writeHostile(kind: HostileKind, file: string, options: HostileOptions = {}): Promise<void> {
  if (!(HOSTILE_KINDS as readonly string[]).includes(kind)) throw new GeneratorError('G-004', `unknown hostile kind ${String(kind)}`, { kind: String(kind) });
  const exists = await stat(file).then(() => true, () => false);
  if (exists) throw new GeneratorError('G-003', `${file} already exists`, { path: file });
  const temp = join(dirname(file), `.${Date.now()}-${Math.random().toString(36).slice(2)}.hostile.partial`);
  try {
    await writeKind(kind, temp, options);
    await rename(temp, file);
  } catch (e) {
    await rm(temp, { force: true });
    throw e;
  }
}

async function writeKind(kind: HostileKind, out: string, options: HostileOptions): Promise<void> {
  const mets = { name: `${ROOT}/METS.xml`, data: Buffer.from(METS_OK) };
  switch (kind) {
    case 'zip-dotdot':
      return writeFile(out, rawZip([mets, { name: `${ROOT}/../../bevara-evil.txt`, data: Buffer.from('escaped\n') }]));
    case 'zip-absolute':
      return writeFile(out, rawZip([mets, { name: '/tmp/bevara-evil.txt', data: Buffer.from('absolute\n') }]));
    case 'zip-symlink':
      return writeFile(out, rawZip([mets, { name: `${ROOT}/representations/rep1/data/link`, data: Buffer.from('/etc/passwd'), unixMode: 0o120777 }]));
    case 'zip-duplicate':
      return writeFile(out, rawZip([mets, { name: `${ROOT}/METS.xml`, data: Buffer.from(METS_OK.replace('SIP-hostile"', 'SIP-other"')) }]));
    case 'zip-non-utf8-name':
      // Flag bit 11 says UTF-8, but 0xFF 0xFE can never occur in UTF-8.
      return writeFile(out, rawZip([mets, { name: Buffer.concat([Buffer.from(`${ROOT}/`), Buffer.from([0xff, 0xfe, 0x41]), Buffer.from('.txt')]), data: Buffer.from('x\n'), flags: 0x0800 }]));
    case 'zip-truncated': {
      const whole = rawZip([mets, { name: `${ROOT}/documentation/readme.txt`, data: Buffer.from('Detta paket är avklippt.\n'.repeat(40)) }]);
      return writeFile(out, whole.subarray(0, Math.floor(whole.length / 2)));
    }
    case 'zip-bomb':
      return writeFile(out, rawZip([mets, await deflatedZeros(`${ROOT}/representations/rep1/data/nollor.bin`, options.bytes ?? 1 << 30)]));
    case 'tar-dotdot':
    case 'tar-absolute':
    case 'tar-symlink':
      return writeHostileTar(kind, out);
    case 'xml-doctype':
    case 'xml-external-entity':
    case 'xml-billion-laughs':
      return writeZip(withMets(bytesContent(hostileXml(kind))), out);
    case 'xml-enormous':
      return writeZip(withMets(enormousMets(options.bytes ?? 64 << 20)), out);
    case 'mets-checksum-mismatch':
    case 'mets-size-mismatch': {
      const id = kind === 'mets-checksum-mismatch' ? 'CSIP71_file_checksum_mismatch' : 'CSIP69_file_size_mismatch';
      const v = invalidVariants('eark-csip-2.1').find((x) => x.name === id);
      if (!v) throw new Error(`generator: variant ${id} is missing`);
      return writeZip(v.mutate(small()), out);
    }
  }
}

function small(): PackageSpec {
  return generatePackage({ profile: 'eark-csip-2.1', seed: 'hostile', organisation: 'Exempelby kommun', cases: 1, kinds: ['bygglov'], objid: ROOT });
}

function withMets(content: Content): PackageSpec {
  const spec = small();
  spec.files = spec.files.map((f) => (f.path === 'METS.xml' ? { ...f, content } : f));
  return spec;
}

/** A well-formed METS document of about `bytes` bytes, produced as a stream. */
function enormousMets(bytes: number): Content {
  const head = Buffer.from('<?xml version="1.0" encoding="UTF-8"?>\n<mets xmlns="http://www.loc.gov/METS/" OBJID="SIP-hostile" TYPE="Mixed">\n');
  const tail = Buffer.from('</mets>\n');
  const unit = Buffer.from('  <dmdSec ID="d" CREATED="2025-01-01T00:00:00"><mdWrap MDTYPE="OTHER"><xmlData/></mdWrap></dmdSec>\n');
  const repeats = Math.max(1, Math.floor((bytes - head.length - tail.length) / unit.length));
  const chunk = Buffer.concat(new Array<Buffer>(1024).fill(unit));
  function* parts(): Generator<Buffer> {
    yield head;
    let left = repeats;
    for (; left >= 1024; left -= 1024) yield chunk;
    if (left > 0) yield chunk.subarray(0, left * unit.length);
    yield tail;
  }
  const hash = createHash('sha256');
  for (const p of parts()) hash.update(p);
  return { kind: 'stream', size: head.length + tail.length + repeats * unit.length, sha256: hash.digest('hex'), open: () => Readable.from(parts()) };
}

async function deflatedZeros(name: string, size: number): Promise<{ name: string; data: Buffer; method: 8; uncompressedSize: number; crc: number }> {
  const zeros = Buffer.alloc(1 << 20);
  let crc = 0;
  function* chunks(): Generator<Buffer> {
    for (let left = size; left > 0; left -= zeros.length) {
      const c = zeros.subarray(0, Math.min(zeros.length, left));
      crc = crc32(c, crc);
      yield c;
    }
  }
  // Zeros deflate about 1000:1, so the compressed bytes (about 1 MiB per GiB) fit in memory.
  const out: Buffer[] = [];
  await pipeline(Readable.from(chunks()), createDeflateRaw({ level: constants.Z_BEST_COMPRESSION }), async function* (source) {
    for await (const c of source) out.push(c as Buffer);
  });
  return { name, data: Buffer.concat(out), method: 8, uncompressedSize: size, crc };
}

async function writeHostileTar(kind: 'tar-dotdot' | 'tar-absolute' | 'tar-symlink', out: string): Promise<void> {
  // loaded when a tar is written: every command that loads the generator would pay for it otherwise
  const tar = (await import('tar-stream')).pack();
  const done = pipeline(tar, createWriteStream(out, { flags: 'wx' }));
  tar.entry({ name: `${ROOT}/METS.xml` }, METS_OK);
  if (kind === 'tar-dotdot') tar.entry({ name: `${ROOT}/../../bevara-evil.txt` }, 'escaped\n');
  if (kind === 'tar-absolute') tar.entry({ name: '/tmp/bevara-evil.txt' }, 'absolute\n');
  if (kind === 'tar-symlink') tar.entry({ name: `${ROOT}/representations/rep1/data/link`, type: 'symlink', linkname: '/etc/passwd' });
  tar.finalize();
  await done;
}

import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extract } from 'tar-stream';
import yauzl from 'yauzl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOSTILE_KINDS, writeHostile, type HostileKind } from './hostile.ts';
import { sharedReferenceDir } from './xmllint.ts';

const REF = sharedReferenceDir();
const HAVE_REF = existsSync(join(REF, 'schemas/catalog.xml'));

/** Central-directory entries as yauzl sees them without its own name checks. */
function zipEntries(file: string, strict = false): Promise<Array<{ name: Buffer; entry: yauzl.Entry }>> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, decodeStrings: strict, strictFileNames: strict, validateEntrySizes: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const out: Array<{ name: Buffer; entry: yauzl.Entry }> = [];
      zip.on('entry', (entry: yauzl.Entry) => {
        out.push({ name: Buffer.isBuffer(entry.fileName) ? entry.fileName : Buffer.from(entry.fileName), entry });
        zip.readEntry();
      });
      zip.on('end', () => resolve(out));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

function readZipEntry(file: string, name: string): Promise<string> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName !== name) return zip.readEntry();
        zip.openReadStream(entry, (e, s) => {
          if (e || !s) return reject(e);
          const parts: Buffer[] = [];
          s.on('data', (c: Buffer) => parts.push(c));
          s.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
        });
      });
      zip.on('end', () => reject(new Error(`${name} not in ${file}`)));
      zip.readEntry();
    });
  });
}

async function tarHeaders(file: string): Promise<Array<{ name: string; type: string; linkname?: string | null }>> {
  const out: Array<{ name: string; type: string; linkname?: string | null }> = [];
  const ex = extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (h, s, next) => {
      out.push({ name: h.name, type: h.type ?? 'file', linkname: h.linkname });
      s.resume();
      s.on('end', next);
    });
    ex.on('finish', resolve);
    ex.on('error', reject);
  });
  createReadStream(file).pipe(ex);
  await done;
  return out;
}

describe('writeHostile', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'bevara-hostile-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });
  const path = (k: HostileKind) => join(tmp, `${k}.${k.startsWith('tar') ? 'tar' : 'zip'}`);

  it('writes zip entries that escape the root, and a strict reader refuses them', async () => {
    await writeHostile('zip-dotdot', path('zip-dotdot'));
    await writeHostile('zip-absolute', path('zip-absolute'));
    const dotdot = await zipEntries(path('zip-dotdot'));
    expect(dotdot.map((e) => e.name.toString())).toContain('SIP-hostile/../../bevara-evil.txt');
    await expect(zipEntries(path('zip-dotdot'), true)).rejects.toThrow(/invalid relative path/);
    await expect(zipEntries(path('zip-absolute'), true)).rejects.toThrow(/absolute path/);
  });

  it('writes a zip symlink, duplicate names and a name that is not UTF-8', async () => {
    await writeHostile('zip-symlink', path('zip-symlink'));
    const link = (await zipEntries(path('zip-symlink'))).find((e) => e.name.toString().endsWith('/link'))!;
    expect((link.entry.externalFileAttributes >>> 16) & 0o170000).toBe(0o120000);
    await writeHostile('zip-duplicate', path('zip-duplicate'));
    const names = (await zipEntries(path('zip-duplicate'))).map((e) => e.name.toString());
    expect(names.filter((n) => n === 'SIP-hostile/METS.xml')).toHaveLength(2);
    await writeHostile('zip-non-utf8-name', path('zip-non-utf8-name'));
    const raw = (await zipEntries(path('zip-non-utf8-name'))).map((e) => e.name);
    // Flag bit 11 (UTF-8) is set, yet the bytes do not survive a UTF-8 round trip.
    const bad = raw.find((n) => n.includes(0xff))!;
    expect(Buffer.from(bad.toString('utf8'), 'utf8').equals(bad)).toBe(false);
  });

  it('writes a zip bomb with a ratio above 500 and a truncated zip that does not open', async () => {
    const bytes = 64 * 1024 * 1024;
    await writeHostile('zip-bomb', path('zip-bomb'), { bytes });
    const size = (await stat(path('zip-bomb'))).size;
    const bomb = (await zipEntries(path('zip-bomb'))).find((e) => e.name.toString().endsWith('nollor.bin'))!;
    expect(bomb.entry.uncompressedSize).toBe(bytes);
    expect(bytes / size).toBeGreaterThan(500);
    await writeHostile('zip-truncated', path('zip-truncated'));
    await expect(zipEntries(path('zip-truncated'))).rejects.toThrow();
  });

  it('writes tar entries with .., an absolute name and a symlink', async () => {
    for (const k of ['tar-dotdot', 'tar-absolute', 'tar-symlink'] as const) await writeHostile(k, path(k));
    expect((await tarHeaders(path('tar-dotdot'))).map((h) => h.name)).toContain('SIP-hostile/../../bevara-evil.txt');
    expect((await tarHeaders(path('tar-absolute'))).map((h) => h.name)).toContain('/tmp/bevara-evil.txt');
    expect((await tarHeaders(path('tar-symlink'))).find((h) => h.type === 'symlink')?.linkname).toBe('/etc/passwd');
  });

  it.skipIf(!HAVE_REF)('writes packages whose METS.xml is hostile XML', async () => {
    for (const k of ['xml-doctype', 'xml-external-entity', 'xml-billion-laughs'] as const) await writeHostile(k, path(k));
    expect(await readZipEntry(path('xml-doctype'), 'SIP-hostile/METS.xml')).toContain('<!DOCTYPE mets');
    expect(await readZipEntry(path('xml-external-entity'), 'SIP-hostile/METS.xml')).toContain('SYSTEM "file:///etc/passwd"');
    const laughs = await readZipEntry(path('xml-billion-laughs'), 'SIP-hostile/METS.xml');
    expect(laughs).toContain('<!ENTITY lol9');
    const bytes = 8 * 1024 * 1024;
    await writeHostile('xml-enormous', path('xml-enormous'), { bytes });
    const big = (await zipEntries(path('xml-enormous'))).find((e) => e.name.toString() === 'SIP-hostile/METS.xml')!;
    expect(big.entry.uncompressedSize).toBeGreaterThan(bytes * 0.99);
  });

  it.skipIf(!HAVE_REF)('writes METS checksum and size mismatches', async () => {
    await writeHostile('mets-checksum-mismatch', path('mets-checksum-mismatch'));
    expect(await readZipEntry(path('mets-checksum-mismatch'), 'SIP-hostile/METS.xml')).toContain('a'.repeat(64));
    await writeHostile('mets-size-mismatch', path('mets-size-mismatch'));
    expect(await readZipEntry(path('mets-size-mismatch'), 'SIP-hostile/METS.xml')).toContain('SIZE="12"');
  });

  it('covers every kind, refuses unknown kinds and existing files', async () => {
    expect(HOSTILE_KINDS).toHaveLength(16);
    await expect(writeHostile('nope' as HostileKind, join(tmp, 'x'))).rejects.toMatchObject({ code: 'G-004' });
    await writeHostile('zip-duplicate', join(tmp, 'again.zip'));
    await expect(writeHostile('zip-duplicate', join(tmp, 'again.zip'))).rejects.toMatchObject({ code: 'G-003' });
    expect((await readFile(join(tmp, 'again.zip'))).readUInt32LE(0)).toBe(0x04034b50);
  });
});

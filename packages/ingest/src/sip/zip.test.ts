/**
 * Reading zip entries: small ones whole from blocks of the archive (zip-blocks.ts), large ones streamed by yauzl.
 * Real archives on disk, read in an order that jumps between blocks; damaged entries must end in I-003.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBevaraError } from '@bevara/storage';
import { rawZip, type RawZipEntry } from '../generator/rawzip.ts';
import { openPackage } from './open.ts';
import type { PackageView } from './types.ts';
import { WHOLE_READ_BYTES } from './whole-read.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bevara-zip-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readAll(pkg: PackageView, path: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await pkg.open(path)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

const deflated = (name: string, data: Buffer): RawZipEntry => ({ name, data: deflateRawSync(data), method: 8, uncompressedSize: data.length });

async function writeZipFile(name: string, entries: RawZipEntry[]): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, rawZip(entries));
  return file;
}

describe('zip entries', () => {
  it('reads small stored, deflated and empty entries and large ones, in any order, byte for byte', async () => {
    const contents = new Map<string, Buffer>();
    const entries: RawZipEntry[] = [];
    // 300 entries of 2-5 KB of incompressible bytes: the archive spans several read blocks.
    for (let i = 0; i < 300; i++) {
      const data = randomBytes(2000 + ((i * 37) % 3000));
      const name = `pkg/data/f${i}.bin`;
      contents.set(name, data);
      entries.push(i % 2 === 0 ? { name, data } : deflated(name, data));
    }
    contents.set('pkg/empty.txt', Buffer.alloc(0));
    entries.push({ name: 'pkg/empty.txt', data: Buffer.alloc(0) });
    const text = Buffer.from('Diarienummer: BN 2024/0201\n'.repeat(200));
    contents.set('pkg/text.txt', text);
    entries.push(deflated('pkg/text.txt', text));
    // Larger than a small entry: streamed by yauzl.
    const large = randomBytes(WHOLE_READ_BYTES + 4096);
    contents.set('pkg/large.bin', large);
    entries.push({ name: 'pkg/large.bin', data: large });
    const pkg = await openPackage(await writeZipFile('mixed.zip', entries));
    try {
      const names = [...contents.keys()];
      // Last to first, then every seventh: both directions of jumps between blocks.
      const order = [...names.reverse(), ...names.filter((_, i) => i % 7 === 0)];
      for (const name of order) {
        const got = await readAll(pkg, name.slice('pkg/'.length));
        expect(got.equals(contents.get(name)!), name).toBe(true);
      }
    } finally {
      await pkg.close();
    }
  });

  it('streams a large stored entry in 1 MiB chunks, not the 64 KiB stream default', async () => {
    const large = randomBytes(3 * 1024 * 1024 + 100);
    const pkg = await openPackage(await writeZipFile('large.zip', [{ name: 'pkg/large.bin', data: large }]));
    try {
      const sizes: number[] = [];
      const chunks: Buffer[] = [];
      for await (const c of await pkg.open('large.bin')) {
        sizes.push((c as Buffer).length);
        chunks.push(c as Buffer);
      }
      expect(Buffer.concat(chunks).equals(large)).toBe(true);
      expect(sizes).toEqual([1024 * 1024, 1024 * 1024, 1024 * 1024, 100]);
    } finally {
      await pkg.close();
    }
  });

  it('reads every entry from the archive it opened, even once its path is gone or names another file', async () => {
    const large = randomBytes(WHOLE_READ_BYTES + 4096);
    const small = Buffer.from('small entry');
    const entries: RawZipEntry[] = [{ name: 'pkg/large.bin', data: large }, { name: 'pkg/small.txt', data: small }];
    const file = await writeZipFile('moved.zip', entries);
    for (const replace of [false, true]) {
      await writeFile(file, rawZip(entries));
      const pkg = await openPackage(file);
      try {
        await unlink(file);
        if (replace) {
          const other = join(dir, 'other.zip');
          await writeFile(other, rawZip([{ name: 'pkg/large.bin', data: randomBytes(large.length) }, { name: 'pkg/small.txt', data: Buffer.from('other') }]));
          await rename(other, file);
        }
        expect((await readAll(pkg, 'large.bin')).equals(large), `replaced: ${replace}`).toBe(true);
        expect((await readAll(pkg, 'small.txt')).equals(small), `replaced: ${replace}`).toBe(true);
        // Twice, at once: the entry streams share the handle and read by position.
        const [a, b] = await Promise.all([readAll(pkg, 'large.bin'), readAll(pkg, 'large.bin')]);
        expect(a.equals(large) && b.equals(large)).toBe(true);
      } finally {
        await pkg.close();
      }
    }
  });

  const damaged: [string, (entries: RawZipEntry[]) => void, (zip: Buffer) => void][] = [
    ['deflated bytes that do not inflate', (e) => { e[1]!.data = Buffer.from('this is not deflate data at all, just text'); }, () => {}],
    ['an entry holding more than its directory record says', (e) => { e[1]!.uncompressedSize = 100; }, () => {}],
    ['an entry holding less than its directory record says', (e) => { e[1]!.uncompressedSize = 5000; }, () => {}],
    ['a local header without its signature', () => {}, (zip) => { zip.writeUInt32LE(0x12345678, zip.indexOf('PK\x03\x04', 10)); }],
    ['a local header whose name runs past the end of the archive', () => {}, (zip) => { zip.writeUInt16LE(0xffff, zip.indexOf('PK\x03\x04', 10) + 26); }],
  ];

  it.each(damaged)('refuses %s with I-003', async (what, editEntries, editBytes) => {
    const first = Buffer.from('first entry');
    const second = Buffer.from('x'.repeat(1000));
    const entries: RawZipEntry[] = [{ name: 'pkg/a.txt', data: first }, deflated('pkg/b.txt', second)];
    editEntries(entries);
    const zip = rawZip(entries);
    editBytes(zip);
    const file = join(dir, `${what.replace(/\W+/g, '-')}.zip`);
    await writeFile(file, zip);
    const pkg = await openPackage(file);
    try {
      expect((await readAll(pkg, 'a.txt')).equals(first)).toBe(true);
      let err: unknown;
      try { await readAll(pkg, 'b.txt'); } catch (e) { err = e; }
      expect(isBevaraError(err, 'I-003'), String(err)).toBe(true);
    } finally {
      await pkg.close();
    }
  });
});

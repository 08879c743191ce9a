import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import v8 from 'node:v8';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTAINER_SIGNATURE_FILE, loadContainerSignatures } from './container.ts';
import { DROID_SIGNATURE_FILE, loadDroidSignatures, matchSignatures, type SignatureFile } from './droid.ts';
import { rawZip } from '../generator/rawzip.ts';
import { signatureCacheDir } from './signature-cache.ts';

let root: string;
beforeAll(async () => { root = await mkdtemp(join(tmpdir(), 'bevara-sigcache-')); });
afterAll(async () => { await rm(root, { recursive: true, force: true }); });

let n = 0;
/** A fresh cache folder (not yet made: the loader makes it). */
const freshDir = (): string => join(root, `cache-${n++}`, 'bevara');
const entries = (dir: string, kind: string): string[] => readdirSync(dir).filter((f) => f.startsWith(`${kind}-`));

/** An entry's layout (signature-cache.ts): the SHA-256 of the payload, then the payload. */
/**
 * The full load wrote a sound entry again: its digest holds and it holds the data `sound` held. Not necessarily the
 * same bytes: V8 serializes a string in one- or two-byte form as it happens to be held, which differs between runs.
 */
function expectRewritten(file: string, sound: Buffer): void {
  const rewritten = readFileSync(file);
  expect(createHash('sha256').update(rewritten.subarray(32)).digest().equals(rewritten.subarray(0, 32))).toBe(true);
  expect(v8.deserialize(rewritten.subarray(32))).toEqual(v8.deserialize(sound.subarray(32)));
}

function entry(payload: Buffer): Buffer {
  return Buffer.concat([createHash('sha256').update(payload).digest(), payload]);
}

/** Everything but the timing, which differs between loads. */
function data(s: SignatureFile): Omit<SignatureFile, 'loadMillis'> {
  const { loadMillis: _, ...rest } = s;
  return rest;
}

const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');

/** A zip of stored text entries (the signatures look at its bytes, not at how they were compressed). */
function zip(files: [string, string][]): Buffer {
  return rawZip(files.map(([name, text]) => ({ name, data: Buffer.from(text) })));
}

/** Real files of several formats, and every shipped XML and XSD: a corpus to identify with both loads. */
function corpus(): Buffer[] {
  const vendor = fileURLToPath(new URL('../../vendor/', import.meta.url));
  const shipped = (readdirSync(vendor, { recursive: true }) as string[])
    .filter((f) => /\.(xml|xsd|sch)$/.test(f))
    .map((f) => readFileSync(join(vendor, f)).subarray(0, 64 * 1024));
  return [
    latin1('%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n'),
    Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), latin1('IHDR'), Buffer.alloc(17),
      Buffer.from([0, 0, 0, 0]), latin1('IEND'), Buffer.from([0xae, 0x42, 0x60, 0x82])]),
    Buffer.concat([latin1('GIF89a'), Buffer.from([1, 0, 1, 0, 0, 0, 0, 0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 1, 0, 0x3b])]),
    Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]), latin1('JFIF\0'), Buffer.from([1, 1, 0, 0, 1, 0, 1, 0, 0, 0xff, 0xd9])]),
    Buffer.from([0x49, 0x49, 0x2a, 0, 8, 0, 0, 0, 0, 0]),
    Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0, 0, 0]),
    gzipSync(Buffer.from('hello')),
    zip([['a.txt', 'hello']]),
    zip([['mimetype', 'application/vnd.oasis.opendocument.text'], ['content.xml', '<x/>']]),
    latin1('<?xml version="1.0" encoding="UTF-8"?>\n<root/>\n'),
    latin1('<!DOCTYPE html>\n<html><head><title>t</title></head><body></body></html>\n'),
    latin1('{\\rtf1\\ansi hello}'),
    ...shipped,
  ];
}

describe('signatureCacheDir', () => {
  it('is $XDG_CACHE_HOME/bevara when that is absolute, else ~/.cache/bevara', () => {
    expect(signatureCacheDir({ XDG_CACHE_HOME: '/var/cache/u' }, '/home/u')).toBe('/var/cache/u/bevara');
    expect(signatureCacheDir({}, '/home/u')).toBe('/home/u/.cache/bevara');
    // The XDG spec: a relative XDG_CACHE_HOME is ignored.
    expect(signatureCacheDir({ XDG_CACHE_HOME: 'cache' }, '/home/u')).toBe('/home/u/.cache/bevara');
  });

  it('is null with no usable home', () => {
    expect(signatureCacheDir({}, '')).toBeNull();
    expect(signatureCacheDir({}, 'relative')).toBeNull();
  });
});

describe('DROID signatures through the cache', () => {
  it('a second load, read from the cache, equals the first and identifies the same', async () => {
    const dir = freshDir();
    const first = loadDroidSignatures(DROID_SIGNATURE_FILE, dir);
    expect(entries(dir, 'droid')).toHaveLength(1);
    const second = loadDroidSignatures(DROID_SIGNATURE_FILE, dir);
    expect(entries(dir, 'droid')).toHaveLength(1);
    expect(data(second)).toEqual(data(first));

    const files = corpus();
    const hits = files.map((f) => matchSignatures(first, f, f));
    expect(files.map((f) => matchSignatures(second, f, f))).toEqual(hits);
    const puids = new Set(hits.flat().flatMap((id) => first.formatsOfSignature.get(id)?.map((f) => f.puid) ?? []));
    for (const p of ['fmt/18', 'fmt/11', 'fmt/4', 'fmt/43', 'fmt/353', 'x-fmt/263', 'fmt/101', 'x-fmt/266']) expect(puids).toContain(p);
  });

  it('reads what the cache holds (an entry edited in place is what the next load returns)', () => {
    const dir = freshDir();
    loadDroidSignatures(DROID_SIGNATURE_FILE, dir);
    const file = join(dir, entries(dir, 'droid')[0]!);
    const parsed = v8.deserialize(readFileSync(file).subarray(32)) as { formats: { puid: string; name: string }[] };
    parsed.formats.find((f) => f.puid === 'fmt/18')!.name = 'as the cache says';
    writeFileSync(file, entry(v8.serialize(parsed)));
    expect(loadDroidSignatures(DROID_SIGNATURE_FILE, dir).byPuid.get('fmt/18')?.name).toBe('as the cache says');
  });

  it('a changed signature file does not use the entry of the old one', () => {
    const dir = freshDir();
    loadDroidSignatures(DROID_SIGNATURE_FILE, dir);
    const changedPath = join(root, 'changed.xml');
    const xml = readFileSync(DROID_SIGNATURE_FILE, 'utf8');
    const changed = xml.replace('Name="Acrobat PDF 1.4 - Portable Document Format"', 'Name="Renamed PDF"');
    expect(changed).not.toBe(xml);
    writeFileSync(changedPath, changed);
    expect(loadDroidSignatures(changedPath, dir).byPuid.get('fmt/18')?.name).toBe('Renamed PDF');
    expect(entries(dir, 'droid')).toHaveLength(2);
    // and the old file still reads its own entry
    expect(loadDroidSignatures(DROID_SIGNATURE_FILE, dir).byPuid.get('fmt/18')?.name).toBe('Acrobat PDF 1.4 - Portable Document Format');
  });

  it.each([
    ['cut short', (b: Buffer): Buffer => b.subarray(0, b.length >> 1)],
    ['a flipped byte', (b: Buffer): Buffer => { const c = Buffer.from(b); c[c.length - 100]! ^= 0x40; return c; }],
    ['empty', (): Buffer => Buffer.alloc(0)],
    ['not v8 data, digest right', (): Buffer => entry(Buffer.from('not a serialized value'))],
    ['another shape, digest right', (): Buffer => entry(v8.serialize({ formats: [], signatures: [] }))],
  ])('an entry %s is ignored and replaced', (_, spoil) => {
    const dir = freshDir();
    loadDroidSignatures(DROID_SIGNATURE_FILE, dir);
    const file = join(dir, entries(dir, 'droid')[0]!);
    const sound = readFileSync(file);
    writeFileSync(file, spoil(sound));
    expect(loadDroidSignatures(DROID_SIGNATURE_FILE, dir).byPuid.get('fmt/18')?.name).toBe('Acrobat PDF 1.4 - Portable Document Format');
    expectRewritten(file, sound);
  });

  it('a new entry sweeps out older entries of its kind and temp files a killed writer left, once an hour old', () => {
    const dir = freshDir();
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const hoursAgo = (name: string, h: number): string => {
      writeFileSync(join(dir, name), 'x');
      const t = new Date(Date.now() - h * 3600_000);
      utimesSync(join(dir, name), t, t);
      return name;
    };
    const stale = [hoursAgo(`droid-${'0'.repeat(64)}.v8`, 2), hoursAgo(`droid-${'1'.repeat(64)}.v8.123.abc.tmp`, 2)];
    const kept = [hoursAgo(`droid-${'2'.repeat(64)}.v8`, 0.5), hoursAgo(`container-${'3'.repeat(64)}.v8`, 2), hoursAgo('droid-notes.txt', 2)];
    loadDroidSignatures(DROID_SIGNATURE_FILE, dir);
    for (const name of stale) expect(existsSync(join(dir, name))).toBe(false);
    for (const name of kept) expect(existsSync(join(dir, name))).toBe(true);
    expect(entries(dir, 'droid')).toHaveLength(3);
  });

  it('processes loading at once all get the signatures and leave one sound entry, no temp file', async () => {
    const dir = freshDir();
    const droid = fileURLToPath(new URL('./droid.ts', import.meta.url));
    const script = `import { loadDroidSignatures, DROID_SIGNATURE_FILE } from ${JSON.stringify(droid)};
      for (let i = 0; i < 3; i++) process.stdout.write(loadDroidSignatures(DROID_SIGNATURE_FILE, process.argv[1]).byPuid.get('fmt/18').name + '\\n');`;
    const run = (): Promise<{ stdout: string }> =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, dir], { encoding: 'utf8' });
    const outputs = await Promise.all([run(), run(), run()]);
    for (const { stdout } of outputs) expect(stdout).toBe('Acrobat PDF 1.4 - Portable Document Format\n'.repeat(3));
    expect(readdirSync(dir)).toEqual(entries(dir, 'droid'));
    expect(entries(dir, 'droid')).toHaveLength(1);
    const written = readFileSync(join(dir, entries(dir, 'droid')[0]!));
    expect(createHash('sha256').update(written.subarray(32)).digest().equals(written.subarray(0, 32))).toBe(true);
  }, 60_000);

  it('loads all the same when the cache folder cannot be made', () => {
    const blocker = join(root, 'a-file');
    writeFileSync(blocker, 'not a folder');
    const s = loadDroidSignatures(DROID_SIGNATURE_FILE, join(blocker, 'bevara'));
    expect(s.byPuid.get('fmt/18')).toBeDefined();
  });

  it('neither reads nor writes a folder others may write to', () => {
    const dir = freshDir();
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o777);
    expect(loadDroidSignatures(DROID_SIGNATURE_FILE, dir).byPuid.get('fmt/18')).toBeDefined();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('neither reads nor writes through a cache folder that is a link (in a shared place another user may plant one)', () => {
    const target = freshDir();
    mkdirSync(target, { recursive: true, mode: 0o700 });
    const link = join(root, `link-${n++}`);
    symlinkSync(target, link);
    expect(loadDroidSignatures(DROID_SIGNATURE_FILE, link).byPuid.get('fmt/18')).toBeDefined();
    expect(readdirSync(target)).toEqual([]);
  });

  it('an entry that is not a plain file (a FIFO, which a read would block on) is not read, and is replaced', async () => {
    const dir = freshDir();
    loadDroidSignatures(DROID_SIGNATURE_FILE, dir);
    const file = join(dir, entries(dir, 'droid')[0]!);
    const sound = readFileSync(file);
    rmSync(file);
    await promisify(execFile)('mkfifo', [file]);
    expect(loadDroidSignatures(DROID_SIGNATURE_FILE, dir).byPuid.get('fmt/18')).toBeDefined();
    expectRewritten(file, sound);
  });
});

describe('container signatures through the cache', () => {
  it('a second load, read from the cache, equals the first; a spoiled entry is replaced', () => {
    const dir = freshDir();
    const first = loadContainerSignatures(CONTAINER_SIGNATURE_FILE, dir);
    const [name] = entries(dir, 'container');
    expect(name).toBeDefined();
    expect(loadContainerSignatures(CONTAINER_SIGNATURE_FILE, dir)).toEqual(first);
    const file = join(dir, name!);
    const sound = readFileSync(file);
    writeFileSync(file, sound.subarray(0, 1000));
    expect(loadContainerSignatures(CONTAINER_SIGNATURE_FILE, dir)).toEqual(first);
    expectRewritten(file, sound);
  });
});

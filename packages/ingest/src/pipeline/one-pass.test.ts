import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Transform, Writable } from 'node:stream';
import { Archive, type AipFile } from '@bevara/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePackage } from '../generator/generate.ts';
import { writeFolder } from '../generator/writers.ts';
import { openPackage } from '../sip/open.ts';
import type { PackageView } from '../sip/types.ts';
import { validateMets } from '../validate.ts';
import { AipFeed } from './aip-files.ts';
import { ingestThrough } from './ingest.ts';
import { probePackage } from './probe.ts';
import type { Agreement } from './types.ts';

let work: string;
let archive: Archive;
const agreement: Agreement = { id: 'default', name: 'Default', strictFormats: false, allowUpdates: false };

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'bevara-one-pass-'));
  archive = await Archive.init(path.join(work, 'archive'));
});
afterAll(async () => {
  await archive.close();
  await rm(work, { recursive: true, force: true });
});

/** The real package, with every open counted by path and every byte it hands out counted. */
function counting(pkg: PackageView): { view: PackageView; opens: Map<string, number>; bytes: () => number } {
  const opens = new Map<string, number>();
  let bytes = 0;
  const view: PackageView = {
    ...pkg,
    has: (p) => pkg.has(p),
    entry: (p) => pkg.entry(p),
    async open(p) {
      opens.set(p, (opens.get(p) ?? 0) + 1);
      const counter = new Transform({ transform(chunk: Buffer, _e, done) { bytes += chunk.length; done(null, chunk); } });
      const source = await pkg.open(p);
      source.on('error', (e) => counter.destroy(e));
      return source.pipe(counter);
    },
    close: () => pkg.close(),
  };
  return { view, opens, bytes: () => bytes };
}

function filesOf(pkg: PackageView): string[] {
  return pkg.entries.filter((e) => e.type === 'file').map((e) => e.path).sort();
}

/** Every file of AIPs in the archive's default store (the audit log's files aside). */
function storeFiles(): string[] {
  const root = archive.paths.defaultStore;
  return fs.readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((p) => !p.startsWith('extensions/bevara-audit-log/') && fs.statSync(path.join(root, p)).isFile());
}

function stagingLeft(): string[] {
  return fs.readdirSync(archive.paths.staging).filter((n) => n !== 'journal');
}

describe('one streaming pass from package to AIP', () => {
  it('reads every file of a folder package once, the unreferenced one too, and stores them all', async () => {
    const spec = generatePackage({ profile: 'fgs12', seed: 'one-pass', organisation: 'Exempelby kommun', cases: 2, bigFile: { bytes: 3 * 1024 * 1024 } });
    const dir = await writeFolder(spec, await mkdtemp(path.join(work, 'pkg-')));
    const loose = `${path.posix.dirname(spec.truth.files.find((f) => !f.path.endsWith('.xml'))!.path)}/readme.txt`;
    fs.writeFileSync(path.join(dir, loose), 'not referenced by any METS\n');
    let counted: ReturnType<typeof counting> | undefined;
    const result = await ingestThrough(archive, dir, { agreement, submitter: 's' }, (pkg) => (counted = counting(pkg)).view);
    expect(result.report.results.filter((r) => r.status === 'failed')).toEqual([]);
    expect(result.outcome).toBe('archived');
    const all = filesOf(await openPackage(dir));
    expect(all).toContain(loose);
    expect(result.report.results.some((r) => r.id === 'BEVARA-004' && r.location?.file === loose)).toBe(true);
    expect([...counted!.opens.keys()].sort()).toEqual(all);
    for (const p of all) expect({ p, opens: counted!.opens.get(p) }).toEqual({ p, opens: 1 });
    // every byte once: the package's size, not a multiple of it
    const size = (await openPackage(dir)).entries.reduce((n, e) => n + e.size, 0);
    expect(counted!.bytes()).toBe(size);
    const stored = archive.show(result.aip!).files.map((f) => f.path);
    for (const p of all) expect(stored).toContain(`submission/${p}`);
    expect(result.receipt.receipt.files.map((f) => f.path).sort()).toEqual(all);
    expect(stagingLeft()).toEqual([]);
  });

  it('a file storage hashes (64 MiB or more): read once, stored, its digest storage\'s, equal to the file\'s own', async () => {
    const spec = generatePackage({ profile: 'fgs12', seed: 'one-pass-large', organisation: 'Exempelby kommun', cases: 1, bigFile: { bytes: 65 * 1024 * 1024 } });
    const dir = await writeFolder(spec, await mkdtemp(path.join(work, 'large-')));
    let counted: ReturnType<typeof counting> | undefined;
    const result = await ingestThrough(archive, dir, { agreement, submitter: 's' }, (pkg) => (counted = counting(pkg)).view);
    expect(result.report.results.filter((r) => r.status === 'failed')).toEqual([]);
    expect(result.outcome).toBe('archived');
    const size = (await openPackage(dir)).entries.reduce((n, e) => n + e.size, 0);
    expect(counted!.bytes()).toBe(size);
    const large = spec.truth.files.find((f) => fs.statSync(path.join(dir, f.path)).size >= 64 * 1024 * 1024)!;
    const own = createHash('sha256').update(fs.readFileSync(path.join(dir, large.path))).digest('hex');
    expect(result.receipt.receipt.files.find((f) => f.path === large.path)?.sha256).toBe(own);
    const stored = archive.show(result.aip!).files.find((f) => f.path === `submission/${large.path}`);
    expect(stored?.sha256).toBe(own);
    expect((await archive.verify([result.aip!]))[0]?.ok).toBe(true);
  });

  it('a file storage hashes that differs from its METS checksum rejects the package and stores nothing', async () => {
    const spec = generatePackage({ profile: 'fgs12', seed: 'one-pass-large-bad', organisation: 'Exempelby kommun', cases: 1, bigFile: { bytes: 65 * 1024 * 1024 } });
    const dir = await writeFolder(spec, await mkdtemp(path.join(work, 'large-bad-')));
    const large = spec.truth.files.find((f) => fs.statSync(path.join(dir, f.path)).size >= 64 * 1024 * 1024)!;
    const fd = fs.openSync(path.join(dir, large.path), 'r+');
    fs.writeSync(fd, Buffer.from('x'), 0, 1, 40 * 1024 * 1024);
    fs.closeSync(fd);
    const before = storeFiles();
    const result = await ingestThrough(archive, dir, { agreement, submitter: 's' }, (pkg) => pkg);
    expect(result.outcome).toBe('rejected');
    expect(result.report.results.filter((r) => r.status === 'failed').map((r) => r.location?.file)).toContain('sip.xml');
    expect(result.receipt.receipt.files.find((f) => f.path === large.path)?.sha256).toBe(createHash('sha256').update(fs.readFileSync(path.join(dir, large.path))).digest('hex'));
    expect(storeFiles().filter((f) => !before.includes(f))).toEqual([]);
    expect(stagingLeft()).toEqual([]);
  });

  it('a file storage hashes: its digest comes from storage, and storage failing it, or a feed aborted after its pipe ended, fails it instead of leaving the pass waiting', async () => {
    const feed = new AipFeed();
    const files = feed.files();
    const big = await feed.add('big', 64 * 1024 * 1024, () => undefined);
    const taken = (await files.next()).value as AipFile;
    expect(taken.digest).toBeUndefined();
    taken.stored!({ size: 3, sha256: 'abc' });
    await expect(big.digest).resolves.toEqual({ size: 3, sha256: 'abc' });
    // storage failing the file once it has all its bytes (a full disk at the end, say)
    const failed = await feed.add('failed', 64 * 1024 * 1024, () => undefined);
    failed.pipe.end();
    ((await files.next()).value as AipFile).stored!({ error: new Error('no space left') });
    await expect(failed.digest).rejects.toThrow('no space left');
    const other = await feed.add('other', 64 * 1024 * 1024, () => undefined);
    await files.next();
    other.pipe.end();
    feed.abort(new Error('storage failed'));
    await expect(other.digest).rejects.toThrow('storage failed');
    // below the threshold the pass hashes: storage asks it for the digest
    const small = new AipFeed();
    const smallFiles = small.files();
    expect((await small.add('s', 64 * 1024 * 1024 - 1, () => undefined)).digest).toBeUndefined();
    expect(((await smallFiles.next()).value as AipFile).digest).toBeTypeOf('function');
  });

  it('aborts the version when the file pass finds the package invalid: nothing stored, no staging, still one read', async () => {
    const spec = generatePackage({ profile: 'eark-csip-2.1', seed: 'one-pass-bad', organisation: 'Exempelby kommun', cases: 1 });
    const dir = await writeFolder(spec, await mkdtemp(path.join(work, 'bad-')));
    // Content changed after the METS was written: the METS stage passes, the file pass fails the checksum.
    const content = spec.truth.files.find((f) => f.path.includes('/data/') && !f.path.endsWith('.xml'))!;
    fs.appendFileSync(path.join(dir, content.path), 'tampered');
    const before = storeFiles();
    let counted: ReturnType<typeof counting> | undefined;
    const result = await ingestThrough(archive, dir, { agreement, submitter: 's' }, (pkg) => (counted = counting(pkg)).view);
    expect(result.outcome).toBe('rejected');
    expect(result.report.results.some((r) => r.status === 'failed' && r.location?.file !== undefined)).toBe(true);
    expect(storeFiles().filter((f) => !before.includes(f))).toEqual([]);
    // the rejected receipt names each file with the SHA-256 read in the pass, the tampered one as it arrived
    const listed = new Map(result.receipt.receipt.files.map((f) => [f.path, f.sha256]));
    expect(listed.get(content.path)).toBe(createHash('sha256').update(fs.readFileSync(path.join(dir, content.path))).digest('hex'));
    expect(filesOf(await openPackage(dir)).filter((f) => !listed.has(f))).toEqual([]);
    // every file was read, once (below)
    expect(counted!.opens.size).toBe(filesOf(await openPackage(dir)).length);
    for (const [p, n] of counted!.opens) expect({ p, n }).toEqual({ p, n: 1 });
    expect(stagingLeft()).toEqual([]);
  });

  it('storage refusing the version stops the pass: the ingest fails with storage\'s code and leaves nothing', async () => {
    const spec = generatePackage({ profile: 'fgs12', seed: 'one-pass-refused', organisation: 'Exempelby kommun', cases: 1, bigFile: { bytes: 4 * 1024 * 1024 } });
    const first = await ingestThrough(archive, await writeFolder(spec, await mkdtemp(path.join(work, 'refused-'))), { agreement, submitter: 's' }, (pkg) => pkg);
    expect(first.outcome).toBe('archived');
    // The catalog forgets the AIP (as after a lost catalog file): ingest takes the package for a new AIP, storage knows better.
    archive.catalog.remove(first.aip!);
    const before = storeFiles();
    const other = generatePackage({ profile: 'fgs12', seed: 'one-pass-refused-2', organisation: 'Exempelby kommun', cases: 1, objid: spec.truth.objid, bigFile: { bytes: 4 * 1024 * 1024 } });
    const dir = await writeFolder(other, await mkdtemp(path.join(work, 'refused-')));
    await expect(ingestThrough(archive, dir, { agreement, submitter: 's' }, (pkg) => pkg)).rejects.toMatchObject({ code: 'S-015' });
    expect(storeFiles()).toEqual(before);
    expect(stagingLeft()).toEqual([]);
  });

  it('hands storage only a few files more than it has taken (small files never fill a pipe)', async () => {
    const feed = new AipFeed();
    const files = feed.files();
    for (let i = 0; i < 4; i++) (await feed.add(`f${i}`, 5, () => undefined)).pipe.end(Buffer.from('small'));
    let fifth = false;
    const handed = feed.add('f4', 5, () => undefined).then(() => (fifth = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(fifth).toBe(false);
    expect((await files.next()).value).toMatchObject({ path: 'submission/f0' });
    await handed;
    expect(fifth).toBe(true);
    feed.abort(new Error('end of test'));
    await expect(feed.add('f5', 5, () => undefined)).rejects.toThrow('end of test');
  });

  it('the METS stage takes the METS documents the probe parsed: it neither reads nor parses them again', async () => {
    const spec = generatePackage({ profile: 'fgs12', seed: 'one-pass-parsed', organisation: 'Exempelby kommun', cases: 1 });
    const dir = await writeFolder(spec, await mkdtemp(path.join(work, 'parsed-')));
    const { view, opens } = counting(await openPackage(dir));
    try {
      const facts = await probePackage(view);
      expect([...facts.mets.keys()]).toEqual(['sip.xml']);
      opens.clear();
      const stage = await validateMets(view, { parsed: facts.mets });
      expect(stage.valid).toBe(true);
      expect(opens.get('sip.xml')).toBeUndefined();
      // without them the stage reads the METS itself, so the count above can tell the two apart
      await validateMets(view, {});
      expect(opens.get('sip.xml')).toBe(1);
    } finally {
      await view.close();
    }
  });

  it('a slow sink slows the read: the bytes between reader and sink stay bounded', async () => {
    const spec = generatePackage({ profile: 'fgs12', seed: 'one-pass-slow', organisation: 'Exempelby kommun', cases: 1, bigFile: { bytes: 8 * 1024 * 1024 } });
    const dir = await writeFolder(spec, await mkdtemp(path.join(work, 'slow-')));
    const { view, bytes } = counting(await openPackage(dir));
    let written = 0;
    let widest = 0;
    const stage = await validateMets(view, {});
    const report = await stage.filePass({
      everyFile: true,
      sink: () => ({
        pipe: new Writable({
          highWaterMark: 64 * 1024,
          write(chunk: Buffer, _e, done) {
            written += chunk.length;
            widest = Math.max(widest, bytes() - written);
            setTimeout(done, 2);
          },
        }),
      }),
    });
    await view.close();
    expect(report.results.filter((r) => r.status === 'failed')).toEqual([]);
    expect(written).toBeGreaterThan(8 * 1024 * 1024);
    // a stream's own read-ahead (64 KiB chunks) and the sink's buffer, never the 8 MiB file
    expect(widest).toBeLessThan(1024 * 1024);
  });
});

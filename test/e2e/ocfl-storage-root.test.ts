/**
 * The storage root is plain OCFL 1.1: an independent OCFL library (@ocfl/ocfl-fs, which knows the
 * 0004-hashed-n-tuple layout) lists the objects and reads back the bytes Bevara stored, a check
 * written from the OCFL 1.1 rules finds nothing wrong, and a new version never rewrites an old one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: @ocfl/ocfl-fs ships no type declarations for its entry point
import ocfl from '@ocfl/ocfl-fs';
import { Archive, type AipDetail } from '@bevara/storage';
import { addSampleVersion, createSampleAip, sampleFiles, seededBytes, tempDir, type SampleFile } from './support/archive.ts';
import { validateStorageRoot } from './support/ocfl-rules.ts';

interface OcflFile { buffer(): Promise<Buffer> }
interface OcflObject { id: string; root: string; load(): Promise<void>; getFile(p: string, version?: string): OcflFile }
interface OcflStorage { load(): Promise<unknown>; [Symbol.asyncIterator](): AsyncIterator<OcflObject>; object(id: string): OcflObject }

describe('the storage root as OCFL 1.1', () => {
  let dir: string;
  let store: string;
  let archive: Archive;
  const stored = new Map<string, { v1: SampleFile[]; v2?: SampleFile[] }>();
  let versioned: AipDetail;
  let v1Snapshot: Map<string, { bytes: Buffer; mtimeMs: number; ino: number }>;

  beforeAll(async () => {
    dir = tempDir('ocfl');
    archive = await Archive.init(path.join(dir, 'archive'));
    store = path.join(dir, 'archive', 'store');
    for (const seed of ['alpha', 'beta']) {
      const files = sampleFiles(seed, 3);
      const aip = await createSampleAip(archive, seed, files);
      stored.set(aip.id, { v1: files });
    }
    versioned = archive.list()[0]! as AipDetail;
    const objectDir = path.join(store, archive.show(versioned.id).objectRoot);
    // Snapshot every file of v1 (content, inventory, signature) before v2 is written.
    v1Snapshot = new Map();
    for (const f of listAll(objectDir)) {
      if (!f.startsWith('v1/') && f !== 'extensions/bevara-signatures/v1.p7s' && f !== '0=ocfl_object_1.1') continue;
      const st = fs.statSync(path.join(objectDir, f));
      v1Snapshot.set(f, { bytes: fs.readFileSync(path.join(objectDir, f)), mtimeMs: st.mtimeMs, ino: st.ino });
    }
    // v2 replaces one file with new bytes (same logical path), adds one, removes one.
    const v1 = stored.get(versioned.id)!.v1;
    const v2: SampleFile[] = [
      { path: v1[0]!.path, bytes: seededBytes('alpha-changed', 999) },
      { path: 'submission/representations/rep1/data/added.txt', bytes: seededBytes('added', 500) },
    ];
    await new Promise((r) => setTimeout(r, 20)); // mtimes would differ if anything were rewritten
    versioned = await addSampleVersion(archive, versioned.id, v2, [v1[2]!.path]);
    stored.get(versioned.id)!.v2 = v2;
  });

  afterAll(async () => {
    await archive.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('passes a check written from the OCFL 1.1 rules', () => {
    const { objects, problems } = validateStorageRoot(store);
    expect(problems).toEqual([]);
    expect(objects.sort()).toEqual(archive.list().map((a) => a.id).map((id) => archive.show(id).objectRoot).sort());
  });

  it('is listed and read by @ocfl/ocfl-fs: every object, and the stored bytes of every file in every version', async () => {
    const storage = ocfl.storage({ root: store }) as OcflStorage;
    await storage.load();
    const ids: string[] = [];
    for await (const object of storage as unknown as AsyncIterable<OcflObject>) {
      await object.load();
      ids.push(object.id);
    }
    expect(ids.sort()).toEqual([...stored.keys()].sort());

    for (const [id, { v1, v2 }] of stored) {
      // Found through the layout extension from the id alone, as any OCFL tool would.
      const object = storage.object(id);
      for (const f of v1) expect((await object.getFile(f.path, 'v1').buffer()).equals(f.bytes), `${id} v1 ${f.path}`).toBe(true);
      for (const f of v2 ?? []) expect((await object.getFile(f.path, 'v2').buffer()).equals(f.bytes), `${id} v2 ${f.path}`).toBe(true);
    }
    // The file that v2 replaced still reads with its old bytes in v1, and its new ones in v2.
    const object = storage.object(versioned.id);
    const { v1, v2 } = stored.get(versioned.id)!;
    expect((await object.getFile(v1[0]!.path, 'v1').buffer()).equals(v1[0]!.bytes)).toBe(true);
    expect((await object.getFile(v1[0]!.path, 'v2').buffer()).equals(v2![0]!.bytes)).toBe(true);
    // An unchanged file is not copied again: v2 reads it from v1's content.
    expect((await object.getFile(v1[1]!.path, 'v2').buffer()).equals(v1[1]!.bytes)).toBe(true);
  });

  it('adds v2 without rewriting anything of v1 (same bytes, same mtime, same inode)', () => {
    expect(versioned.head).toBe('v2');
    expect(v1Snapshot.size).toBeGreaterThan(5);
    const objectDir = path.join(store, versioned.objectRoot);
    for (const [f, before] of v1Snapshot) {
      const st = fs.statSync(path.join(objectDir, f));
      expect(fs.readFileSync(path.join(objectDir, f)).equals(before.bytes), f).toBe(true);
      expect(st.mtimeMs, f).toBe(before.mtimeMs);
      expect(st.ino, f).toBe(before.ino);
    }
    // v2 holds only what is new: its PREMIS, the new METS, the changed and the added file.
    const v2Content = listAll(path.join(objectDir, 'v2', 'content')).sort();
    expect(v2Content).toEqual(
      ['METS.xml', 'metadata/preservation/premis-v2.xml', 'submission/representations/rep1/data/added.txt', stored.get(versioned.id)!.v1[0]!.path].sort(),
    );
  });

  it('is checked by the tests themselves: the rules check reports a damaged object', () => {
    const objectDir = path.join(store, versioned.objectRoot);
    const victim = path.join(objectDir, 'v1', 'content', stored.get(versioned.id)!.v1[1]!.path);
    const original = fs.readFileSync(victim);
    fs.writeFileSync(path.join(objectDir, 'v2', 'content', 'stray.txt'), 'not in the manifest');
    fs.writeFileSync(victim, Buffer.concat([original, Buffer.from('x')]));
    try {
      const codes = validateStorageRoot(store).problems.map((p) => p.code).sort();
      expect(codes).toEqual(['E023', 'E092']);
    } finally {
      fs.writeFileSync(victim, original);
      fs.rmSync(path.join(objectDir, 'v2', 'content', 'stray.txt'));
    }
    expect(validateStorageRoot(store).problems).toEqual([]);
  });
});

function listAll(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listAll(dir, r));
    else out.push(r);
  }
  return out;
}

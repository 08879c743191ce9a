import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Archive } from '../archive/archive.ts';
import { objectRootFor } from '../ocfl/layout.ts';
import type { AipFile } from './model.ts';

describe('writeAipVersion', () => {
  let dir: string;
  beforeAll(() => void (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bevara-writer-'))));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('refuses two files with one path with S-014 and leaves no AIP (the commit used to delete the newer one)', async () => {
    const archive = await Archive.init(path.join(dir, 'archive'));
    try {
      const id = 'urn:test:twice';
      const files = [
        { path: 'data/a.txt', source: Buffer.from('older') },
        { path: 'data/b.txt', source: Buffer.from('other') },
        { path: 'data/a.txt', source: Buffer.from('newer') },
      ];
      await expect(archive.createAip({ id, label: 'twice', message: 'ingest', user: { name: 't' }, events: [], files })).rejects.toMatchObject({ code: 'S-014' });
      expect(archive.list()).toEqual([]);
      const keys: string[] = [];
      for await (const key of archive.store.list(`${objectRootFor(id)}/`)) keys.push(key);
      expect(keys).toEqual([]);
    } finally {
      await archive.close();
    }
  });

  it('tells a file\'s `stored` of its put failing after its source ended, before it takes another file (its caller may wait for that)', async () => {
    const archive = await Archive.init(path.join(dir, 'archive-stored'));
    try {
      let told: unknown;
      async function* files(): AsyncGenerator<AipFile> {
        let heard!: () => void;
        const outcome = new Promise<void>((resolve) => (heard = resolve));
        // four bytes where five were declared: the put fails once the source has ended
        yield { path: 'data/short.bin', source: Readable.from([Buffer.from('four')]), size: 5, stored: (o) => { told = o; heard(); } };
        await outcome; // as ingest waits for the digest of a file it leaves storage to hash
      }
      await expect(archive.createAip({ id: 'urn:test:stored', label: 'stored', message: 'ingest', user: { name: 't' }, events: [], files: files() })).rejects.toMatchObject({ code: 'S-020' });
      expect(told).toMatchObject({ error: { code: 'S-020' } });
      expect(archive.list()).toEqual([]);
    } finally {
      await archive.close();
    }
  }, 10_000);
});

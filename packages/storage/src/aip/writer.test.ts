import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Archive } from '../archive/archive.ts';
import { objectRootFor } from '../ocfl/layout.ts';

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
});

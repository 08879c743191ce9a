import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalBlobStore } from '../blobstore/local.ts';
import { readAll } from '../testing/contract.ts';
import { INVENTORY_TYPE, type Inventory } from './inventory.ts';
import { objectRootFor, objectRootOfInventoryKey } from './layout.ts';
import { ObjectReader } from './reader.ts';

describe('ObjectReader.objectRoots', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bevara-reader-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('walks a folder store down to the object roots only, finding what a full listing finds, in the same order', async () => {
    const store = new LocalBlobStore({ name: 'local', root: dir });
    const ids = ['urn:a', 'urn:b', 'urn:c', 'urn:d'];
    for (const id of ids) {
      await store.put(`${objectRootFor(id)}/inventory.json`, Buffer.from('{}'));
      await store.put(`${objectRootFor(id)}/v1/content/deep/file.txt`, Buffer.from('x'));
    }
    // not object roots: a folder without a root inventory, one whose name does not fit its tuples,
    // an inventory one level too deep, and the archive's own extensions
    await store.put(`${objectRootFor('urn:e')}/v1/inventory.json`, Buffer.from('{}'));
    await store.put(`000/000/000/${'1'.repeat(64)}/inventory.json`, Buffer.from('{}'));
    await store.put(`${objectRootFor('urn:f')}/nested/inventory.json`, Buffer.from('{}'));
    await store.put('extensions/bevara-audit-log/entries/000000000001.json', Buffer.from('{}'));

    const walked: string[] = [];
    for await (const root of new ObjectReader(store).objectRoots()) walked.push(root);
    const listed: string[] = [];
    for await (const key of store.list('')) {
      const root = objectRootOfInventoryKey(key);
      if (root) listed.push(root);
    }
    expect(walked).toEqual(listed);
    expect([...walked].sort()).toEqual(ids.map(objectRootFor).sort());
  });
});

describe('ObjectReader.open', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bevara-reader-open-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('serves each version of an inventory its own files, read after read, and a later inventory its new state', async () => {
    const store = new LocalBlobStore({ name: 'local', root: dir });
    const id = 'urn:open';
    const [d1, d2, d3] = ['1', '2', '3'].map((c) => c.repeat(64)) as [string, string, string];
    for (const [content, text] of [['v1/content/a.txt', 'a one'], ['v1/content/b.txt', 'b one'], ['v2/content/a.txt', 'a two']]) {
      await store.put(`${objectRootFor(id)}/${content}`, Buffer.from(text!));
    }
    const v1 = { created: '2024-01-01T00:00:00Z', state: { [d1]: ['a.txt'], [d2]: ['b.txt'] } };
    const first: Inventory = {
      id, type: INVENTORY_TYPE, digestAlgorithm: 'sha256', head: 'v1',
      manifest: { [d1]: ['v1/content/a.txt'], [d2]: ['v1/content/b.txt'] }, versions: { v1 },
    };
    const second: Inventory = {
      ...first, head: 'v2',
      manifest: { ...first.manifest, [d3]: ['v2/content/a.txt'] },
      versions: { v1, v2: { created: '2024-02-01T00:00:00Z', state: { [d3]: ['a.txt'] } } },
    };
    const reader = new ObjectReader(store);
    const text = async (inv: Inventory, p: string, v?: string) => (await readAll(await reader.open(inv, p, v))).toString();
    for (let round = 0; round < 2; round++) {
      expect(await text(first, 'a.txt')).toBe('a one');
      expect(await text(first, 'b.txt')).toBe('b one');
      expect(await text(second, 'a.txt')).toBe('a two');
      expect(await text(second, 'a.txt', 'v1')).toBe('a one');
    }
    await expect(reader.open(second, 'b.txt')).rejects.toMatchObject({ code: 'S-001' });
    expect(await text(second, 'b.txt', 'v1')).toBe('b one');
    await expect(reader.open(second, 'a.txt', 'v9')).rejects.toMatchObject({ code: 'S-011' });
  });
});

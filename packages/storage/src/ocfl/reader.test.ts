import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalBlobStore } from '../blobstore/local.ts';
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

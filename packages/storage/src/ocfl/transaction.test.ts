import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileJournal } from '../archive/journal.ts';
import { LocalBlobStore } from '../blobstore/local.ts';
import { KeyStore } from '../signing/keystore.ts';
import type { Signer } from '../signing/signer.ts';
import { parseInventory, serializeInventory, sidecarFor } from './inventory.ts';
import { objectRootFor } from './layout.ts';
import { ObjectReader } from './reader.ts';
import { readAll } from '../testing/contract.ts';
import { ObjectTransaction, rollbackVersion } from './transaction.ts';

describe('ObjectTransaction on a real folder store', () => {
  let dir: string;
  let store: LocalBlobStore;
  let journal: FileJournal;
  let signer: Signer;
  let objects = 0;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bevara-tx-'));
    store = new LocalBlobStore({ name: 'local', root: path.join(dir, 'store') });
    fs.mkdirSync(path.join(dir, 'store'));
    journal = new FileJournal(path.join(dir, 'journal'));
    const keys = await KeyStore.open(path.join(dir, 'keys'));
    await keys.init();
    signer = keys.signer();
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const files = (root: string): string[] => {
    const abs = path.join(dir, 'store', root);
    return fs.existsSync(abs) ? (fs.readdirSync(abs, { recursive: true, withFileTypes: true }) as fs.Dirent[]).filter((e) => e.isFile()).map((e) => path.relative(abs, path.join(e.parentPath, e.name))).sort() : [];
  };
  const sizes = (root: string) => async (contentPath: string): Promise<number> => (await store.stat(`${root}/${contentPath}`))!.size;
  const begin = async (previous: Awaited<ReturnType<ObjectReader['inventory']>>): Promise<{ tx: ObjectTransaction; id: string; root: string }> => {
    const id = previous?.id ?? `urn:test:${++objects}`;
    const root = objectRootFor(id);
    return { tx: await ObjectTransaction.begin(store, id, root, previous, journal, sizes(root)), id, root };
  };
  const info = { message: 'test', user: { name: 'tester' } };

  it('commits v1 with every OCFL file, the root inventory equal to v1’s, and keeps the journal entry until end()', async () => {
    const { tx, id, root } = await begin(null);
    await tx.put('a.txt', Buffer.from('alpha'));
    await tx.put('dir/b.txt', Buffer.from('beta'));
    await tx.put('copy-of-a.txt', Buffer.from('alpha')); // same bytes: stored once
    const inv = await tx.commit(info, signer);
    expect(files(root)).toEqual([
      '0=ocfl_object_1.1', 'extensions/bevara-signatures/v1.p7s', 'inventory.json', 'inventory.json.sha256',
      'v1/content/a.txt', 'v1/content/dir/b.txt', 'v1/inventory.json', 'v1/inventory.json.sha256',
    ]);
    const rootBytes = await readAll(await store.get(`${root}/inventory.json`));
    expect(rootBytes.equals(await readAll(await store.get(`${root}/v1/inventory.json`)))).toBe(true);
    expect(rootBytes.equals(serializeInventory(inv))).toBe(true);
    expect(Object.values(inv.versions.v1!.state).flat().sort()).toEqual(['a.txt', 'copy-of-a.txt', 'dir/b.txt']);
    expect(journal.pending().map((p) => p.entry?.objectId)).toEqual([id]);
    await tx.end();
    expect(journal.pending()).toEqual([]);
  });

  it('reads new content back while writing; a disk that loses a byte fails the commit before anything names the file', async () => {
    const { tx, root } = await begin(null);
    await tx.put('a.txt', Buffer.from('alpha'));
    await tx.put('a-again.txt', Buffer.from('alpha'));
    expect([...tx.readBack()]).toEqual(['v1/content/a.txt']);
    await tx.abort();

    // the same folder, seen through a store whose disk flips a byte after every acknowledged content write; the
    // digest is the caller's (a store that hashes the bytes itself compares them while writing, compare-back.ts)
    class LossyDisk extends LocalBlobStore {
      override async put(...args: Parameters<LocalBlobStore['put']>): ReturnType<LocalBlobStore['put']> {
        const result = await super.put(...args);
        if (args[0].includes('/content/')) {
          const file = path.join(dir, 'store', ...args[0].split('/'));
          const bytes = fs.readFileSync(file);
          bytes[0] = bytes[0]! ^ 0x20;
          fs.writeFileSync(file, bytes);
        }
        return result;
      }
    }
    const lossy = new LossyDisk({ name: 'lossy', root: path.join(dir, 'store') });
    const lossyTx = await ObjectTransaction.begin(lossy, `urn:test:${++objects}`, objectRootFor(`urn:test:${objects}`), null, journal, sizes(root));
    const big = Buffer.alloc(3 * 1024 * 1024, 7);
    await lossyTx.put('big.bin', big, undefined, () => ({ size: big.length, sha256: createHash('sha256').update(big).digest('hex') }));
    await expect(lossyTx.commit(info, signer)).rejects.toMatchObject({ code: 'S-002' });
    expect(await lossy.stat(`${lossyTx.objectRoot}/inventory.json`)).toBeNull();
    expect(await lossy.stat(`${lossyTx.objectRoot}/v1/inventory.json`)).toBeNull();
    await lossyTx.abort();
    expect(files(lossyTx.objectRoot)).toEqual([]);
  });

  it('a digest the caller claims is checked by the read-back, also where it names content already stored', async () => {
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    const alpha = Buffer.from('alpha');
    const claim = (b: Buffer) => () => ({ size: b.length, sha256: sha(b) });
    const { tx } = await begin(null);
    expect(await tx.put('a.txt', alpha, undefined, claim(alpha))).toEqual({ digest: sha(alpha), size: 5 });
    // bytes "alphb" claimed to be "alpha", which the object holds: the path must not come to name alpha's content
    await expect(tx.put('b.txt', Buffer.from('alphb'), undefined, claim(alpha))).rejects.toMatchObject({ code: 'S-002' });
    await tx.abort();

    // a small new file is read back within its put (written and re-read on a hash worker), so the put fails
    const other = await begin(null);
    await expect(other.tx.put('c.txt', Buffer.from('gamma'), undefined, claim(Buffer.from('gammb')))).rejects.toMatchObject({ code: 'S-002' });
    await other.tx.abort();
    expect(files(other.root)).toEqual([]);
  });

  it('abort of v1 removes the whole object; abort of v2 leaves v1 byte for byte', async () => {
    const first = await begin(null);
    await first.tx.put('x.txt', Buffer.from('x'));
    await first.tx.abort();
    expect(files(first.root)).toEqual([]);
    expect(journal.pending()).toEqual([]);

    const made = await begin(null);
    await made.tx.put('x.txt', Buffer.from('x'));
    await made.tx.commit(info, signer);
    await made.tx.end();
    const before = files(made.root).map((f) => [f, fs.readFileSync(path.join(dir, 'store', made.root, f), 'hex')]);
    const reader = new ObjectReader(store);
    const second = await begin(await reader.inventory(made.id));
    expect(second.tx.version).toBe(2);
    await second.tx.put('y.txt', Buffer.from('y'));
    await second.tx.abort();
    expect(files(made.root).map((f) => [f, fs.readFileSync(path.join(dir, 'store', made.root, f), 'hex')])).toEqual(before);
  });

  it('recovery: a committed version stays (its root sidecar mended), an uncommitted one is removed', async () => {
    const { tx, id, root } = await begin(null);
    await tx.put('x.txt', Buffer.from('x'));
    await tx.commit(info, signer);
    await tx.end();
    // a crash between the two writes of W5 leaves the old sidecar, or the new one's temp file
    await store.put(`${root}/inventory.json.sha256`, sidecarFor('sha256', Buffer.from('stale')));
    fs.writeFileSync(path.join(dir, 'store', root, '.tmp-cut-short'), 'half a sidecar');
    expect(await rollbackVersion(store, root, 1)).toBe('committed');
    expect(files(root).filter((f) => f.includes('.tmp-'))).toEqual([]);
    const bytes = await readAll(await store.get(`${root}/inventory.json`));
    expect((await readAll(await store.get(`${root}/inventory.json.sha256`))).equals(sidecarFor('sha256', bytes))).toBe(true);

    // v2 half-written: content, version inventory and signature, but not the root inventory
    const v2 = await begin(parseInventory(bytes, 'root'));
    await v2.tx.put('y.txt', Buffer.from('y'));
    await store.put(`${root}/v2/inventory.json`, Buffer.from('{}'));
    await store.put(`${root}/extensions/bevara-signatures/v2.p7s`, Buffer.from('sig'));
    expect(await rollbackVersion(store, root, 2)).toBe('rolled-back');
    expect(files(root).filter((f) => f.includes('v2'))).toEqual([]);
    expect((await new ObjectReader(store).inventory(id))?.head).toBe('v1');
    await v2.tx.end();
  });

  it('refuses a second put of a path in one version with S-014, also when both run at once, and keeps the first', async () => {
    const { tx, id, root } = await begin(null);
    await tx.put('a.txt', Buffer.from('first'));
    await expect(tx.put('a.txt', Buffer.from('second'))).rejects.toMatchObject({ code: 'S-014' });
    // two puts started together (the AIP writer keeps many in flight): one writes, the other is refused unwritten
    const racing = await Promise.allSettled([tx.put('b.txt', Buffer.from('one')), tx.put('b.txt', Buffer.from('two'))]);
    expect(racing.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    expect((racing[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'S-014' });
    const inv = await tx.commit(info, signer);
    await tx.end();
    expect(files(root).filter((f) => f.startsWith('v1/content/'))).toEqual(['v1/content/a.txt', 'v1/content/b.txt']);
    const reader = new ObjectReader(store);
    expect((await reader.readSmall(inv, 'a.txt')).toString()).toBe('first');
    expect((await reader.readSmall(inv, 'b.txt')).toString()).toBe('one');

    // the next version may put a path the object already has (it replaces it), once
    const next = await begin(inv);
    await next.tx.put('a.txt', Buffer.from('newer'));
    await expect(next.tx.put('a.txt', Buffer.from('newest'))).rejects.toMatchObject({ code: 'S-014' });
    const v2 = await next.tx.commit(info, signer);
    await next.tx.end();
    expect((await reader.readSmall(v2, 'a.txt')).toString()).toBe('newer');
    expect((await reader.readSmall(v2, 'a.txt', 'v1')).toString()).toBe('first');
    expect(v2.id).toBe(id);
  });

  it('refuses unsafe logical paths with S-014 before writing anything', async () => {
    const { tx, root } = await begin(null);
    for (const p of ['../escape', '/abs', 'a//b', 'a/./b', 'back\\slash']) {
      await expect(tx.put(p, Buffer.from('x'))).rejects.toMatchObject({ code: 'S-014' });
    }
    await tx.abort();
    expect(files(root)).toEqual([]);
  });
});

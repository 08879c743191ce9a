import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Archive } from '../archive/archive.ts';
import { objectRootFor } from '../ocfl/layout.ts';
import { verifyObject } from '../verify/object.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'bevara-replicas-'));
  dirs.push(d);
  return d;
}

const file = (name: string, text: string) => {
  const bytes = Buffer.from(text);
  return { path: `submission/data/${name}`, source: bytes, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
};

const aipInput = (label: string) => ({
  label,
  files: [file('a.txt', `first file of ${label}`), file('b.txt', `second file of ${label}`)],
  events: [{ type: 'ingestion', detail: 'test', outcome: 'success' as const, agents: [{ id: 'bevara' }] }],
  message: 'ingest',
  user: { name: 'test' },
});

/** An archive with a second local store that the policy requires. */
async function twoStoreArchive(): Promise<{ archive: Archive; dir: string; second: string }> {
  const dir = path.join(tempDir(), 'archive');
  const second = path.join(tempDir(), 'second');
  const archive = await Archive.init(dir, { keySubject: 'CN=replicas test' });
  await archive.addStore({ name: 'second', type: 'local', path: second }, { create: true });
  await archive.setPolicy({ copies: 2 });
  return { archive, dir, second };
}

describe('copies in every required store', () => {
  it('writes every version to both stores, each copy intact on its own', async () => {
    const { archive, dir } = await twoStoreArchive();
    const aip = await archive.createAip(aipInput('two copies'));
    await archive.addVersion(aip.id, { ...aipInput('v2'), files: [file('c.txt', 'third')] });
    await archive.close();

    const reopened = await Archive.open(dir);
    try {
      expect(reopened.requiredStores.map((s) => s.name)).toEqual(['local', 'second']);
      for (const store of reopened.requiredStores) {
        const v = await verifyObject(store, objectRootFor(aip.id), reopened.trustedCertificates(), aip.id);
        expect(v.findings, store.name).toEqual([]);
        expect(v.head).toBe('v2');
      }
      const log = await reopened.verifyLog();
      expect(log.ok).toBe(true);
      const types = [];
      for await (const e of reopened.audit.entries()) types.push(e.type);
      expect(types).toContain('config.store-added');
      expect(types).toContain('config.policy-changed');
    } finally {
      await reopened.close();
    }
  });

  it('a replica that fails takes the version back out of every store and nothing is reported archived', async () => {
    const { archive, second } = await twoStoreArchive();
    const aip = await archive.createAip(aipInput('kept'));
    // the second store's folder is replaced by a file: every write to it fails (not retryable)
    const objects = fs.readdirSync(second).filter((f) => /^[0-9a-f]{3}$/.test(f));
    for (const o of objects) fs.rmSync(path.join(second, o), { recursive: true });
    fs.writeFileSync(path.join(second, objectRootFor('urn:uuid:00000000-0000-4000-8000-000000000001').split('/')[0]!), 'not a folder');

    await expect(archive.createAip({ ...aipInput('lost'), id: 'urn:uuid:00000000-0000-4000-8000-000000000001' })).rejects.toThrow();
    expect(await archive.reader.inventory('urn:uuid:00000000-0000-4000-8000-000000000001')).toBeNull();
    expect(archive.list().map((a) => a.id)).toEqual([aip.id]);
    expect(fs.readdirSync(path.join(archive.paths.journal))).toEqual([]);
    const v = await verifyObject(archive.store, objectRootFor(aip.id), archive.trustedCertificates(), aip.id);
    expect(v.ok).toBe(true);
    await archive.close();
  });

  it('refuses a policy with more copies than stores (S-006)', async () => {
    const dir = path.join(tempDir(), 'archive');
    const archive = await Archive.init(dir, { keySubject: 'CN=replicas test' });
    await expect(archive.setPolicy({ copies: 2 })).rejects.toMatchObject({ code: 'S-006' });
    expect(archive.config.policy.copies).toBe(1);
    await archive.close();
  });
});

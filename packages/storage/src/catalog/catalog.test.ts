import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBevaraError } from '../errors.ts';
import { Catalog, type CatalogExtension, type IndexedAip } from './catalog.ts';

const aip = (id: string, label = 'Label'): IndexedAip => ({
  objectRoot: `root/${id}`,
  summary: { id, label, contentCategory: 'Mixed', head: 'v2', created: '2026-01-01T00:00:00Z', updated: '2026-01-02T00:00:00Z', fileCount: 1, totalSize: 5 },
  versions: [
    { version: 'v1', created: '2026-01-01T00:00:00Z', message: 'ingest', user: { name: 'a', address: 'mailto:a@example.org' } },
    { version: 'v2', created: '2026-01-02T00:00:00Z', message: 'update', user: { name: 'b' } },
  ],
  files: [{ path: 'x.txt', sha256: 'f'.repeat(64), size: 5, mimeType: 'text/plain', contentPath: 'v1/content/x.txt' }],
  events: [{ id: 'e1', version: 'v1', type: 'ingestion', dateTime: '2026-01-01T00:00:00Z', detail: 'in', outcome: 'success', agents: [{ id: 'bevara' }], objects: [] }],
});
const noRead = async (): Promise<Buffer> => Buffer.alloc(0);

describe('Catalog (real SQLite)', () => {
  let dir: string;
  beforeAll(() => void (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bevara-catalog-'))));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('stores and answers an AIP exactly as it was indexed; put replaces, remove forgets', async () => {
    const { catalog, fresh } = Catalog.open(path.join(dir, 'a.sqlite'));
    expect(fresh).toBe(true);
    await catalog.put(aip('urn:1'), noRead);
    await catalog.put(aip('urn:2'), noRead);
    await catalog.put(aip('urn:1', 'Relabelled'), noRead);
    const { objectRoot, summary, versions, files, events } = aip('urn:1', 'Relabelled');
    expect(catalog.get('urn:1')).toEqual({ ...summary, objectRoot, versions, files: files.map(({ contentPath: _, ...f }) => f), events });
    expect(catalog.list().map((a) => a.id)).toEqual(['urn:1', 'urn:2']);
    catalog.remove('urn:1');
    expect(catalog.get('urn:1')).toBeNull();
    expect(catalog.list().map((a) => a.id)).toEqual(['urn:2']);
    catalog.close();
    // reopened with the same schema: not fresh, still there
    const again = Catalog.open(path.join(dir, 'a.sqlite'));
    expect(again.fresh).toBe(false);
    expect(again.catalog.list().map((a) => a.id)).toEqual(['urn:2']);
    again.catalog.close();
  });

  it('reports a catalog made for other extensions as stale, so the archive rebuilds it', () => {
    const ext: CatalogExtension = { name: 'records', ddl: 'CREATE TABLE records (aip_id TEXT);', index: async () => undefined, remove: () => undefined };
    Catalog.open(path.join(dir, 'b.sqlite')).catalog.close();
    const { catalog, fresh } = Catalog.open(path.join(dir, 'b.sqlite'), [ext]);
    expect(fresh).toBe(true);
    catalog.close();
  });

  it('rolls back a put whose extension fails, leaving the previous rows', async () => {
    const failing: CatalogExtension = { name: 'boom', ddl: '', index: async () => { throw new Error('extension failed'); }, remove: () => undefined };
    const { catalog } = Catalog.open(path.join(dir, 'c.sqlite'), [failing]);
    await expect(catalog.put(aip('urn:3'), noRead)).rejects.toThrow('extension failed');
    expect(catalog.get('urn:3')).toBeNull();
    catalog.close();
  });

  it('refuses a file that is not SQLite with S-019 and the way out', () => {
    const file = path.join(dir, 'garbage.sqlite');
    fs.writeFileSync(file, 'this is not a database, just some text long enough to have a header page'.repeat(100));
    let thrown: unknown;
    try {
      Catalog.open(file).catalog.close();
    } catch (e) {
      thrown = e;
    }
    expect(isBevaraError(thrown, 'S-019'), String(thrown)).toBe(true);
    expect((thrown as Error).message).toMatch(/catalog rebuild|cannot open/);
  });
});

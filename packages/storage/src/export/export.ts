/**
 * `bevara export`: chosen AIPs (or all) as a plain OCFL 1.1 storage root in a new folder, readable
 * without Bevara: the objects with their E-ARK content, inventories and signatures, the certificates
 * that check them, the audit log, the storage-format document, and a dump of the catalog as JSON lines
 * (`extensions/bevara-archive/catalog.jsonl`, one AipDetail per line). Every file is checked against its
 * inventory digest on the way out and read back in the export. A failed export removes what it wrote.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { Archive, Progress } from '../archive/archive.ts';
import { STORAGE_FORMAT_DOC } from '../archive/format-doc.ts';
import { AUDIT_PREFIX, CERTIFICATES_PREFIX, ROOT_EXTENSION_DIR } from '../archive/layout.ts';
import { initStorageRoot } from '../archive/storage-root.ts';
import { LocalBlobStore } from '../blobstore/local.ts';
import type { BlobStore } from '../blobstore/store.ts';
import { StorageError } from '../errors.ts';
import { objectRootFor } from '../ocfl/layout.ts';
import { copyObject, hashStored } from '../replication/copy.ts';
import { syncObject } from '../replication/object-copy.ts';

export const CATALOG_DUMP = `${ROOT_EXTENSION_DIR}/catalog.jsonl`;

export interface ExportResult {
  dir: string;
  aips: string[];
  files: number;
}

export async function exportAips(archive: Archive, dir: string, ids: readonly string[] = [], progress?: Progress): Promise<ExportResult> {
  const target = path.resolve(dir);
  if (fs.existsSync(target) && fs.readdirSync(target).length > 0) {
    throw new StorageError('S-005', `${target} is not empty; export into a new or empty folder`, { path: target });
  }
  const created = !fs.existsSync(target);
  fs.mkdirSync(target, { recursive: true });
  const out = new LocalBlobStore({ name: 'export', root: target });
  try {
    const wanted = ids.length > 0 ? [...ids] : archive.list().map((a) => a.id);
    for (const id of ids) archive.show(id); // S-001 before anything is written
    await initStorageRoot(out, archive.config, STORAGE_FORMAT_DOC);
    let files = 0;
    files += await copyPrefix(archive.store, out, CERTIFICATES_PREFIX);
    files += await copyPrefix(archive.store, out, AUDIT_PREFIX);
    for (const [i, id] of wanted.entries()) {
      progress?.(i, wanted.length, id);
      const root = objectRootFor(id);
      const inv = await archive.inventory(id);
      files += (await syncObject(archive.store, out, root, inv, { mode: 'version', retry: archive.replicaSet.retry })).length;
    }
    const lines = Readable.from(
      (function* () {
        for (const id of wanted) yield JSON.stringify(archive.show(id)) + '\n';
      })(),
    );
    await out.put(CATALOG_DUMP, lines);
    progress?.(wanted.length, wanted.length);
    return { dir: target, aips: wanted, files: files + 1 };
  } catch (e) {
    if (created) fs.rmSync(target, { recursive: true, force: true });
    else for (const f of fs.readdirSync(target)) fs.rmSync(path.join(target, f), { recursive: true, force: true });
    throw e;
  } finally {
    await out.close();
  }
}

async function copyPrefix(from: BlobStore, to: BlobStore, prefix: string): Promise<number> {
  let n = 0;
  for await (const key of from.list(prefix)) {
    const expected = await hashStored(from, key);
    if (!expected) continue;
    await copyObject(from, to, key, expected);
    n++;
  }
  return n;
}

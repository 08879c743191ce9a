import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { AuditLog, type AuditEvent, type AuditVerification } from '../audit/log.ts';
import type { BlobStore } from '../blobstore/store.ts';
import { Catalog, type AipDetail, type AipSummary, type CatalogExtension } from '../catalog/catalog.ts';
import { indexAip } from '../catalog/index-aip.ts';
import { StorageError } from '../errors.ts';
import { parseAipMets } from '../aip/mets.ts';
import { AIP_METS, type AipVersionInput, type NewAipInput } from '../aip/model.ts';
import { writeAipVersion } from '../aip/writer.ts';
import type { Inventory } from '../ocfl/inventory.ts';
import { objectRootFor } from '../ocfl/layout.ts';
import { ObjectReader } from '../ocfl/reader.ts';
import { ObjectTransaction, rollbackVersion } from '../ocfl/transaction.ts';
import { verifyDetached } from '../signing/cms.ts';
import { KeyStore, type CertificateInfo } from '../signing/keystore.ts';
import type { TrustedCertificate } from '../signing/signer.ts';
import { verifyObject, type ObjectVerification } from '../verify/object.ts';
import { type ArchiveConfig, readConfig, validateConfig } from './config.ts';
import { FileJournal } from './journal.ts';
import { AUDIT_PREFIX, CERTIFICATES_PREFIX, archivePaths, type ArchivePaths } from './layout.ts';
import { WriteLock } from './lock.ts';
import { assertStorageRoot, initStorageRoot } from './storage-root.ts';
import { openStore } from './stores.ts';
import { STORAGE_FORMAT_DOC } from './format-doc.ts';

export interface Progress {
  (done: number, total: number | undefined, what?: string): void;
}

export interface OpenOptions {
  /** Tables of later packages (records, search) that live in the catalog and are rebuilt with it. */
  catalogExtensions?: readonly CatalogExtension[];
}

/**
 * The archive: the configured stores (the first is primary), the signing keys, the audit log and the
 * catalog. Every change goes through here, under the write lock, and ends with an audit-log entry and
 * a signed checkpoint.
 */
export class Archive {
  readonly reader: ObjectReader;
  readonly audit: AuditLog;
  private readonly lock: WriteLock;
  private readonly journal: FileJournal;

  private constructor(
    readonly paths: ArchivePaths,
    readonly config: ArchiveConfig,
    readonly store: BlobStore,
    readonly keys: KeyStore,
    private catalogHandle: Catalog,
    private readonly extensions: readonly CatalogExtension[],
  ) {
    this.reader = new ObjectReader(store);
    this.audit = new AuditLog(store, { prefix: AUDIT_PREFIX });
    this.lock = new WriteLock(paths.lock);
    this.journal = new FileJournal(paths.journal);
  }

  get catalog(): Catalog {
    return this.catalogHandle;
  }

  /** Creates an archive on the embedded default: a local folder store and SQLite, with a self-signed key. */
  static async init(dir: string, options: OpenOptions & { keySubject?: string } = {}): Promise<Archive> {
    const paths = archivePaths(dir);
    if (fs.existsSync(paths.config)) throw new StorageError('S-005', `${paths.dir} is already a Bevara archive`, { path: paths.dir });
    if (fs.existsSync(paths.dir) && fs.readdirSync(paths.dir).length > 0) {
      throw new StorageError('S-005', `${paths.dir} exists and is not empty; choose an empty or new folder`, { path: paths.dir });
    }
    const createdDir = !fs.existsSync(paths.dir);
    try {
      fs.mkdirSync(paths.defaultStore, { recursive: true });
      fs.mkdirSync(paths.staging, { recursive: true });
      const config = validateConfig(
        {
          format: 'bevara-archive/1',
          archiveId: `urn:uuid:${randomUUID()}`,
          created: new Date().toISOString(),
          stores: [{ name: 'local', type: 'local', path: 'store' }],
          policy: { copies: 1 },
        },
        paths.config,
      );
      const store = await openStore(config.stores[0]!, paths.dir);
      await initStorageRoot(store, config, STORAGE_FORMAT_DOC);
      const keys = await KeyStore.open(paths.keys);
      const cert = await keys.init(options.keySubject ? { subject: options.keySubject } : {});
      await publishCertificate(store, cert);
      // The config file last: a folder is an archive only once everything above exists.
      writeJsonDurably(paths.config, config);
      const archive = await Archive.open(paths.dir, options);
      await archive.record({ type: 'archive.created', data: { archiveId: config.archiveId } });
      await archive.record({ type: 'keys.created', data: { fingerprint: cert.fingerprint, subject: cert.subject } });
      return archive;
    } catch (e) {
      if (createdDir) fs.rmSync(paths.dir, { recursive: true, force: true });
      else for (const f of fs.readdirSync(paths.dir)) fs.rmSync(path.join(paths.dir, f), { recursive: true, force: true });
      throw e;
    }
  }

  static async open(dir: string, options: OpenOptions = {}): Promise<Archive> {
    const paths = archivePaths(dir);
    if (!fs.existsSync(paths.dir)) throw new StorageError('S-004', `${paths.dir} does not exist`, { path: paths.dir });
    const config = readConfig(paths.dir);
    const store = await openStore(config.stores[0]!, paths.dir);
    await store.check();
    await assertStorageRoot(store);
    const keys = await KeyStore.open(paths.keys);
    const extensions = options.catalogExtensions ?? [];
    const { catalog, fresh } = Catalog.open(paths.catalog, extensions);
    const archive = new Archive(paths, config, store, keys, catalog, extensions);
    await archive.recover();
    if (fresh) await archive.rebuildCatalog();
    return archive;
  }

  async close(): Promise<void> {
    this.catalogHandle.close();
    await this.store.close();
  }

  /** Undoes versions that a crashed process left half-written, and refreshes their catalog rows. */
  private async recover(): Promise<void> {
    const pending = this.journal.pending();
    if (pending.length === 0) return;
    await this.lock.run(async () => {
      for (const { token, entry } of this.journal.pending()) {
        if (entry) {
          const outcome = await rollbackVersion(this.store, entry.objectRoot, entry.version);
          const inv = await this.reader.inventoryAt(entry.objectRoot);
          if (inv) await this.catalogHandle.put(await indexAip(this.reader, inv), (p) => this.reader.readSmall(inv, p));
          else this.catalogHandle.remove(entry.objectId);
          await this.audit.append({ type: 'recovery', subject: entry.objectId, data: { version: entry.version, outcome } });
        }
        await this.journal.end(token);
      }
      await this.checkpoint();
    });
  }

  // ---- AIPs ---------------------------------------------------------------------------------

  async createAip(input: NewAipInput): Promise<AipDetail> {
    const id = input.id ?? `urn:uuid:${randomUUID()}`;
    return this.lock.run(async () => {
      if (await this.reader.inventory(id)) throw new StorageError('S-015', `AIP ${id} already exists`, { aip: id });
      const now = new Date();
      const identity = { id, label: input.label, contentCategory: input.contentCategory ?? 'Mixed', created: now.toISOString() };
      await this.writeVersion(id, null, async (tx) => writeAipVersion(tx, identity, null, input, now), input, now, (inv) => ({
        type: 'aip.created', subject: id, actor: input.user.name, data: { version: inv.head, label: input.label },
      }));
      return this.show(id);
    });
  }

  async addVersion(id: string, input: AipVersionInput): Promise<AipDetail> {
    return this.lock.run(async () => {
      const previous = await this.reader.inventory(id);
      if (!previous) throw new StorageError('S-001', `no AIP ${id}`, { aip: id });
      const mets = parseAipMets(await this.reader.readSmall(previous, AIP_METS), `${id}/${AIP_METS}`);
      const now = new Date();
      const identity = { id, label: mets.label, contentCategory: mets.contentCategory, created: mets.created };
      await this.writeVersion(id, previous, async (tx) => writeAipVersion(tx, identity, mets, input, now), input, now, (inv) => ({
        type: 'aip.versioned', subject: id, actor: input.user.name, data: { version: inv.head, message: input.message },
      }));
      return this.show(id);
    });
  }

  private async writeVersion(
    id: string,
    previous: Inventory | null,
    fill: (tx: ObjectTransaction) => Promise<void>,
    input: AipVersionInput,
    now: Date,
    event: (inv: Inventory) => AuditEvent,
  ): Promise<Inventory> {
    const signer = this.keys.signer();
    const root = objectRootFor(id);
    const tx = await ObjectTransaction.begin(this.store, id, root, previous, this.journal, async (contentPath) => {
      const st = await this.store.stat(`${root}/${contentPath}`);
      if (!st) throw new StorageError('S-001', `${id}: content file ${contentPath} is missing`, { aip: id, path: contentPath });
      return st.size;
    });
    let inv: Inventory;
    try {
      await fill(tx);
      inv = await tx.commit({ message: input.message, user: input.user, created: now }, signer);
    } catch (e) {
      await tx.abort().catch(() => undefined);
      throw e;
    }
    // The journal entry outlives the commit until the catalog row and the audit entry exist: a crash
    // in between is then found at the next start, which refreshes the row and records the recovery.
    await this.catalogHandle.put(await indexAip(this.reader, inv), (p) => this.reader.readSmall(inv, p));
    await this.record(event(inv));
    await tx.end();
    return inv;
  }

  list(): AipSummary[] {
    return this.catalogHandle.list();
  }

  show(id: string): AipDetail {
    const aip = this.catalogHandle.get(id);
    if (!aip) throw new StorageError('S-001', `no AIP ${id}`, { aip: id });
    return aip;
  }

  async inventory(id: string): Promise<Inventory> {
    const inv = await this.reader.inventory(id);
    if (!inv) throw new StorageError('S-001', `no AIP ${id}`, { aip: id });
    return inv;
  }

  async openFile(id: string, logicalPath: string, version?: string): Promise<Readable> {
    const inv = await this.inventory(id);
    return this.reader.open(inv, logicalPath, version ?? inv.head);
  }

  // ---- verification ---------------------------------------------------------------------------

  /** Trust anchors: the certificates in the archive's key folder (current and retired). */
  trustedCertificates(): TrustedCertificate[] {
    return this.keys.certificates();
  }

  async verify(ids: string[] | undefined, progress?: Progress): Promise<ObjectVerification[]> {
    const roots: { id?: string; root: string }[] = [];
    if (ids && ids.length > 0) for (const id of ids) roots.push({ id, root: objectRootFor(id) });
    else for await (const root of this.reader.objectRoots()) roots.push({ root });
    const trusted = this.trustedCertificates();
    const out: ObjectVerification[] = [];
    for (const [i, r] of roots.entries()) {
      progress?.(i, roots.length, r.id ?? r.root);
      out.push(await verifyObject(this.store, r.root, trusted, r.id));
    }
    progress?.(roots.length, roots.length);
    return out;
  }

  async verifyLog(): Promise<AuditVerification> {
    const trusted = this.trustedCertificates();
    return this.audit.verify((sig, data) => verifyDetached(sig, data, trusted));
  }

  // ---- catalog --------------------------------------------------------------------------------

  /** Recreates the catalog from the primary store alone, into a new file swapped in at the end. */
  async rebuildCatalog(progress?: Progress): Promise<{ aips: number }> {
    return this.lock.run(async () => {
      const tmp = `${this.paths.catalog}.rebuild-${process.pid}`;
      for (const f of [tmp, `${tmp}-wal`, `${tmp}-shm`]) fs.rmSync(f, { force: true });
      const { catalog } = Catalog.open(tmp, this.extensions);
      let n = 0;
      try {
        for await (const root of this.reader.objectRoots()) {
          const inv = await this.reader.inventoryAt(root);
          if (!inv) continue;
          await catalog.put(await indexAip(this.reader, inv), (p) => this.reader.readSmall(inv, p));
          progress?.(++n, undefined, inv.id);
        }
        catalog.db.pragma('wal_checkpoint(TRUNCATE)');
        catalog.close();
      } catch (e) {
        catalog.close();
        for (const f of [tmp, `${tmp}-wal`, `${tmp}-shm`]) fs.rmSync(f, { force: true });
        throw e;
      }
      this.catalogHandle.close();
      for (const f of [`${this.paths.catalog}-wal`, `${this.paths.catalog}-shm`]) fs.rmSync(f, { force: true });
      fs.renameSync(tmp, this.paths.catalog);
      this.catalogHandle = Catalog.open(this.paths.catalog, this.extensions).catalog;
      return { aips: n };
    });
  }

  // ---- keys -----------------------------------------------------------------------------------

  async initKeys(options: { subject?: string; days?: number } = {}): Promise<CertificateInfo> {
    return this.lock.run(async () => {
      const cert = await this.keys.init(options);
      await publishCertificate(this.store, cert);
      await this.record({ type: 'keys.created', data: { fingerprint: cert.fingerprint, subject: cert.subject } });
      return cert;
    });
  }

  async importKeys(file: string, password?: string): Promise<CertificateInfo> {
    return this.lock.run(async () => {
      const cert = await this.keys.import(file, password);
      await publishCertificate(this.store, cert);
      await this.record({ type: 'keys.imported', data: { fingerprint: cert.fingerprint, subject: cert.subject } });
      return cert;
    });
  }

  // ---- audit log ------------------------------------------------------------------------------

  /** Appends to the audit log and signs a checkpoint over it; callers hold the write lock or take it here. */
  async record(event: AuditEvent): Promise<void> {
    await this.lock.run(async () => {
      await this.audit.append(event);
      await this.checkpoint();
    });
  }

  private async checkpoint(): Promise<void> {
    await this.audit.checkpoint(this.keys.signer());
  }
}

async function publishCertificate(store: BlobStore, cert: CertificateInfo): Promise<void> {
  const key = `${CERTIFICATES_PREFIX}${cert.fingerprint}.pem`;
  if (!(await store.stat(key))) await store.put(key, Buffer.from(cert.pem, 'utf8'));
}

function writeJsonDurably(file: string, value: unknown): void {
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, JSON.stringify(value, null, 2) + '\n');
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  const dfd = fs.openSync(path.dirname(file), 'r');
  try { fs.fsyncSync(dfd); } finally { fs.closeSync(dfd); }
}


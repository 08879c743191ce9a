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
import { writeAipVersion, type WrittenAipVersion } from '../aip/writer.ts';
import { type Inventory, versionNumber } from '../ocfl/inventory.ts';
import { objectRootFor } from '../ocfl/layout.ts';
import { ObjectReader } from '../ocfl/reader.ts';
import { ObjectTransaction } from '../ocfl/transaction.ts';
import { DEFAULT_RETRY, type RetryPolicy } from '../replication/copy.ts';
import { previousRootOf, replicateVersion, revertEverywhere, settleInterruptedVersion, type ReplicaSet } from '../replication/replicas.ts';
import { verifyDetached } from '../signing/cms.ts';
import { KeyStore, type CertificateInfo } from '../signing/keystore.ts';
import type { TrustedCertificate } from '../signing/signer.ts';
import { verifyObject, type ObjectVerification } from '../verify/object.ts';
import { type ArchiveConfig, type Policy, type StoreConfig, readConfig, requiredStoreConfigs, validateConfig } from './config.ts';
import { FileJournal } from './journal.ts';
import { AUDIT_PREFIX, CERTIFICATES_PREFIX, archivePaths, type ArchivePaths } from './layout.ts';
import { ProcessLock } from './lock.ts';
import { assertStorageRoot, initStorageRoot } from './storage-root.ts';
import { createStoreLocation, describeStore, openStore } from './stores.ts';
import { copyObject, hashStored } from '../replication/copy.ts';
import { setLegalHold, type HeldStore } from '../replication/legal-hold.ts';
import { runAudit, type AuditOptions, type AuditReport } from '../fixity/audit.ts';
import { DEFAULT_CYCLE_DAYS, readAuditState, storesDue } from '../fixity/state.ts';
import { exportAips, type ExportResult } from '../export/export.ts';
import { fileStamp } from '../file-stamp.ts';
import { IngestMetrics } from '../metrics/ingest.ts';
import { STORAGE_FORMAT_DOC } from './format-doc.ts';

export interface Progress {
  (done: number, total: number | undefined, what?: string): void;
}

export interface OpenOptions {
  /** Tables of later packages (records, search) that live in the catalog and are rebuilt with it. */
  catalogExtensions?: readonly CatalogExtension[];
  /** How writes to a store that is down are retried before the version is given up (default: 6 attempts from 0.5 s). */
  retry?: RetryPolicy;
}

/** What a section under the write lock may write (Archive.exclusive): the same as the archive's own methods. */
export interface LockedWrites {
  createAip(input: NewAipInput): Promise<AipDetail>;
  addVersion(id: string, input: AipVersionInput): Promise<AipDetail>;
  record(event: AuditEvent): Promise<void>;
}

/**
 * The archive: the configured stores (the first is primary), the signing keys, the audit log and the
 * catalog. Every change goes through here, under the write lock, and ends with an audit-log entry and
 * a signed checkpoint.
 */
export class Archive {
  /** The primary store: reads come from here and writes start here. */
  readonly store: BlobStore;
  readonly reader: ObjectReader;
  readonly audit: AuditLog;
  /** Ingest durations and queue depth of this process, for `/metrics` (the submission service reports to it). */
  readonly ingestMetrics = new IngestMetrics();
  private readonly lock: ProcessLock;
  /** One fixity audit at a time: two would interleave the positions they save (fixity/state.ts). */
  private readonly auditLock: ProcessLock;
  private readonly journal: FileJournal;

  private constructor(
    readonly paths: ArchivePaths,
    private configValue: ArchiveConfig,
    /** fileStamp of bevara.json as configValue was read from it. */
    private configStamp: string,
    /** Every configured store, in config order; the first is `store`. */
    private readonly allStores: BlobStore[],
    readonly keys: KeyStore,
    private catalogHandle: Catalog,
    private readonly extensions: readonly CatalogExtension[],
    private readonly retry: RetryPolicy,
  ) {
    const store = allStores[0]!;
    this.store = store;
    this.reader = new ObjectReader(store);
    this.audit = new AuditLog(store, { prefix: AUDIT_PREFIX });
    this.lock = new ProcessLock(paths.lock);
    this.auditLock = new ProcessLock(paths.auditLock, {
      waitMs: 0,
      busy: (holder) => new StorageError('S-028', `an audit of this archive is already running${holder}`, { path: paths.auditLock }),
    });
    this.journal = new FileJournal(paths.journal);
  }

  /**
   * The catalog, opened again when another process rebuilt it: a server running through `bevara catalog rebuild`
   * would otherwise go on answering from, and writing to, a file that no longer has a name. The old connection is
   * left to the garbage collector, as a query of this process may still be reading through it.
   */
  get catalog(): Catalog {
    if (this.catalogHandle.replaced()) {
      const { catalog, fresh } = Catalog.open(this.paths.catalog, this.extensions);
      if (fresh) {
        catalog.close();
        throw new StorageError('S-019', `the catalog ${this.paths.catalog} was rebuilt with other tables than this process knows (another version of Bevara?); restart it`, { path: this.paths.catalog });
      }
      this.catalogHandle = catalog;
    }
    return this.catalogHandle;
  }

  get config(): ArchiveConfig {
    return this.configValue;
  }

  /** Every configured store, the primary first. */
  get stores(): readonly BlobStore[] {
    return this.allStores;
  }

  /** The stores every AIP must be on: the first `policy.copies` of them. */
  get requiredStores(): readonly BlobStore[] {
    return this.allStores.slice(0, this.configValue.policy.copies);
  }

  get replicaSet(): ReplicaSet {
    return { primary: this.store, replicas: this.requiredStores.slice(1), retry: this.retry };
  }

  /** Runs `fn` under the write lock, once what other processes changed since this one last held it is followed. */
  private locked<T>(fn: () => Promise<T>): Promise<T> {
    return this.lock.run(async () => {
      await this.followOtherProcesses();
      return fn();
    });
  }

  /**
   * Another process (a command while a server runs) may have added a store or changed the policy since this one
   * last held the lock. A write must go to the stores the policy names now, and a change of the configuration must
   * start from the one on disk: one made from this process's old copy would undo the other's. Stores are only ever
   * added; any other change to them (an edit by hand) needs this process restarted (S-006).
   */
  private async followOtherProcesses(): Promise<void> {
    const stamp = fileStamp(this.paths.config);
    if (stamp === this.configStamp) return;
    const next = readConfig(this.paths.dir);
    const known = this.configValue.stores;
    if (next.archiveId !== this.configValue.archiveId || known.some((s, i) => JSON.stringify(s) !== JSON.stringify(next.stores[i]))) {
      throw new StorageError('S-006', `the stores in ${this.paths.config} changed other than by adding one since this process opened the archive; restart it`, { path: this.paths.config });
    }
    const added: BlobStore[] = [];
    try {
      for (const sc of next.stores.slice(known.length)) {
        const store = await openStore(sc, this.paths.dir);
        added.push(store);
        await store.check();
        await assertStorageRoot(store);
      }
    } catch (e) {
      for (const s of added) await s.close().catch(() => undefined);
      throw e;
    }
    this.allStores.push(...added);
    this.configValue = next;
    this.configStamp = stamp;
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
    // stamped before it is read: a change in between is followed at the first write, never missed
    const configStamp = fileStamp(paths.config);
    const config = readConfig(paths.dir);
    const stores: BlobStore[] = [];
    try {
      // Every store is checked at start: one that is down or not as configured (an S3 bucket that is
      // not really locked, S-021) stops the archive here rather than at the first write.
      for (const sc of config.stores) stores.push(await openStore(sc, paths.dir));
      for (const s of stores) {
        await s.check();
        await assertStorageRoot(s);
      }
    } catch (e) {
      for (const s of stores) await s.close().catch(() => undefined);
      throw e;
    }
    const keys = await KeyStore.open(paths.keys);
    const extensions = options.catalogExtensions ?? [];
    const { catalog, fresh } = Catalog.open(paths.catalog, extensions);
    const archive = new Archive(paths, config, configStamp, stores, keys, catalog, extensions, options.retry ?? DEFAULT_RETRY);
    await archive.recover();
    if (fresh) await archive.rebuildCatalog();
    return archive;
  }

  async close(): Promise<void> {
    this.catalogHandle.close();
    this.lock.close();
    this.auditLock.close();
    for (const s of this.allStores) await s.close();
  }

  /**
   * Undoes versions that a crashed process left half-written, and refreshes their catalog rows; removes the temp
   * files of a writer that died holding the lock.
   */
  private async recover(): Promise<void> {
    const pending = this.journal.pending();
    // a writer that died holding the lock may have been cut short anywhere (an audit-log entry, a checkpoint,
    // a file of a version whose journal entry had ended): its temp files go, with the lock, before anything else
    const crashed = this.lock.ownerDied();
    if (pending.length === 0 && !crashed) {
      // an audit-log entry or checkpoint cut short without a lock left behind: its temp file, removed while no
      // writer is at work (a live writer's own temp files are not touched)
      await this.lock.runIfFree(async () => {
        for (const store of this.allStores) await store.removeIncomplete?.(AUDIT_PREFIX);
      });
      return;
    }
    await this.lock.run(async () => {
      if (crashed) for (const store of this.allStores) await store.removeIncomplete?.('');
      // a cut-short entry (crash or full disk before any store was written) is only removed: the audit
      // log gains nothing, so no new checkpoint is due (one would collide with the last, S-023)
      let recorded = false;
      for (const { token, entry } of this.journal.pending()) {
        if (entry) {
          recorded = true;
          const outcome = await settleInterruptedVersion(this.replicaSet, entry.objectRoot, entry.version);
          const inv = await this.reader.inventoryAt(entry.objectRoot);
          if (inv) await this.catalog.put(await indexAip(this.reader, inv), (p) => this.reader.readSmall(inv, p));
          else this.catalog.remove(entry.objectId);
          await this.audit.append({ type: 'recovery', subject: entry.objectId, data: { version: entry.version, outcome } });
        }
        await this.journal.end(token);
      }
      if (recorded) await this.checkpoint();
    });
  }

  // ---- AIPs ---------------------------------------------------------------------------------

  createAip(input: NewAipInput): Promise<AipDetail> {
    return this.locked(() => this.createAipLocked(input));
  }

  addVersion(id: string, input: AipVersionInput): Promise<AipDetail> {
    return this.locked(() => this.addVersionLocked(id, input));
  }

  private async createAipLocked(input: NewAipInput): Promise<AipDetail> {
    const id = input.id ?? `urn:uuid:${randomUUID()}`;
    if (await this.reader.inventory(id)) throw new StorageError('S-015', `AIP ${id} already exists`, { aip: id });
    const now = new Date();
    const identity = { id, label: input.label, contentCategory: input.contentCategory ?? 'Mixed', created: now.toISOString() };
    await this.writeVersion(id, null, async (tx) => writeAipVersion(tx, identity, null, input, now), input, now, (inv) => ({
      type: 'aip.created', subject: id, actor: input.user.name, data: { version: inv.head, label: input.label },
    }));
    return this.show(id);
  }

  private async addVersionLocked(id: string, input: AipVersionInput): Promise<AipDetail> {
    const previous = await this.reader.inventory(id);
    if (!previous) throw new StorageError('S-001', `no AIP ${id}`, { aip: id });
    if (input.basedOn !== undefined && input.basedOn !== previous.head) {
      throw new StorageError('S-018', `AIP ${id} is at ${previous.head} now, not ${input.basedOn} as this version assumed; read it again and retry`, { aip: id, head: previous.head, basedOn: input.basedOn });
    }
    const mets = parseAipMets(await this.reader.readSmall(previous, AIP_METS), `${id}/${AIP_METS}`);
    const now = new Date();
    const identity = { id, label: mets.label, contentCategory: mets.contentCategory, created: mets.created };
    await this.writeVersion(id, previous, async (tx) => writeAipVersion(tx, identity, mets, input, now), input, now, (inv) => ({
      type: 'aip.versioned', subject: id, actor: input.user.name, data: { version: inv.head, message: input.message },
    }));
    return this.show(id);
  }

  private async writeVersion(
    id: string,
    previous: Inventory | null,
    fill: (tx: ObjectTransaction) => Promise<WrittenAipVersion>,
    input: AipVersionInput,
    now: Date,
    event: (inv: Inventory) => AuditEvent,
  ): Promise<Inventory> {
    for (const x of this.extensions) {
      try {
        x.prepare?.();
      } catch {
        // only a head start: index() does without it
      }
    }
    const signer = this.keys.signer();
    const root = objectRootFor(id);
    const version = previous ? versionNumber(previous.head) + 1 : 1;
    const tx = await ObjectTransaction.begin(this.store, id, root, previous, this.journal, async (contentPath) => {
      const st = await this.store.stat(`${root}/${contentPath}`);
      if (!st) throw new StorageError('S-001', `${id}: content file ${contentPath} is missing`, { aip: id, path: contentPath });
      return st.size;
    });
    let inv: Inventory;
    let written: WrittenAipVersion;
    try {
      written = await fill(tx);
      inv = await tx.commit({ message: input.message, user: input.user, created: now }, signer);
    } catch (e) {
      await tx.abort().catch(() => undefined);
      throw e;
    }
    // Archived only once every required store holds the version and gave it back (read back, re-hashed).
    try {
      await replicateVersion(this.replicaSet, root, inv, tx.readBack());
    } catch (e) {
      // Not archived: the version leaves every store. If a store cannot be reached for that, the journal
      // entry stays and the next start finishes the job (settleInterruptedVersion).
      try {
        await revertEverywhere(this.replicaSet, root, version, await previousRootOf(this.store, root, version));
        await tx.end();
      } catch {
        // the next start's recovery reports it; the caller needs the write's own failure
      }
      throw e;
    }
    // The journal entry outlives the commit until the catalog row and the audit entry exist: a crash
    // in between is then found at the next start, which refreshes the row and records the recovery.
    // The new version is indexed from what its writer built, not read back; a rebuild reads it, to the same rows.
    await this.catalog.put(await indexAip(this.reader, inv, written), (p) => this.reader.readSmall(inv, p));
    await this.recordLocked(event(inv));
    await tx.end();
    return inv;
  }

  list(): AipSummary[] {
    return this.catalog.list();
  }

  show(id: string): AipDetail {
    const aip = this.catalog.get(id);
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

  /** A small logical file whole (a decision, a PDF to mask), read in one call; S-026 when it holds more than `limit` bytes. */
  async readFile(id: string, logicalPath: string, limit: number, version?: string): Promise<Buffer> {
    const inv = await this.inventory(id);
    return this.reader.readSmall(inv, logicalPath, version ?? inv.head, limit);
  }

  // ---- verification ---------------------------------------------------------------------------

  /** Every certificate a signature of this archive may name, a key another process made current since included. */
  trustedCertificates(): TrustedCertificate[] {
    return this.keys.certificates();
  }

  async verify(ids: string[] | undefined, progress?: Progress): Promise<ObjectVerification[]> {
    const roots: { id?: string; root: string }[] = [];
    if (ids && ids.length > 0) for (const id of ids) roots.push({ id, root: objectRootFor(id) });
    else for await (const root of this.reader.objectRoots()) roots.push({ root });
    const trusted = this.trustedCertificates();
    this.store.prepareDigests?.();
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
    return this.locked(async () => {
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

  /** Re-hashes every copy of every AIP in the required stores; see fixity/audit.ts. S-028 while another process audits. */
  auditCopies(options: AuditOptions = {}): Promise<AuditReport> {
    return this.auditLock.run(async () => {
      // the audit reads the stores without the write lock: it follows a store another process added (and the
      // policy that counts it) between this process's own writes, so none of those sees the stores change under it
      await this.lock.between(() => this.followOtherProcesses());
      return runAudit(this, options);
    });
  }

  /**
   * Required stores whose last complete audit is older than the policy's cycle (default 90 days), by the
   * configuration file as it is now: another process may have added a store or changed the policy.
   */
  auditDue(now = new Date()): string[] {
    const config = readConfig(this.paths.dir);
    const names = requiredStoreConfigs(config).map((s) => s.name);
    return storesDue(readAuditState(this.paths.dir), names, config.policy.audit?.cycleDays ?? DEFAULT_CYCLE_DAYS, now);
  }

  /** Writes AIPs (all when `ids` is empty) as a plain OCFL storage root in a new folder; see export/export.ts. */
  exportTo(dir: string, ids: readonly string[] = [], progress?: Progress): Promise<ExportResult> {
    return exportAips(this, dir, ids, progress);
  }

  /**
   * Runs `fn` under the write lock (a repair must not race a writer of the same object), handing it the writes it
   * may make meanwhile: the archive's own methods would wait for the lock `fn` holds. The writes handed out refuse
   * to run once `fn` has ended, when the lock is no longer theirs.
   */
  exclusive<T>(fn: (locked: LockedWrites) => Promise<T>): Promise<T> {
    return this.locked(async () => {
      let held = true;
      const whileHeld = <A extends unknown[], R>(write: (...args: A) => Promise<R>) => (...args: A): Promise<R> =>
        held ? write(...args) : Promise.reject(new Error('a write handed out under the write lock was used after its section ended'));
      try {
        return await fn({
          createAip: whileHeld((input: NewAipInput) => this.createAipLocked(input)),
          addVersion: whileHeld((id: string, input: AipVersionInput) => this.addVersionLocked(id, input)),
          record: whileHeld((event: AuditEvent) => this.recordLocked(event)),
        });
      } finally {
        held = false;
      }
    });
  }

  // ---- stores and policy -------------------------------------------------------------------------

  /**
   * Adds a store at the end of the list, so the primary stays first. With `create` its folder or bucket
   * is made first (an S3 bucket with Object Lock and default retention when the config names one). It
   * becomes an OCFL storage root holding the archive's certificates; once the policy counts it
   * (`setPolicy({ copies })`) `bevara audit --repair` fills it with a copy of every AIP.
   */
  async addStore(config: StoreConfig, options: { create?: boolean } = {}): Promise<void> {
    await this.locked(async () => {
      const next = validateConfig({ ...this.configValue, stores: [...this.configValue.stores, config] }, this.paths.config);
      const added = next.stores[next.stores.length - 1]!;
      if (options.create) await createStoreLocation(added, this.paths.dir);
      const store = await openStore(added, this.paths.dir);
      try {
        await store.check();
        await initStorageRoot(store, next, STORAGE_FORMAT_DOC);
        for await (const key of this.store.list(CERTIFICATES_PREFIX)) {
          const expected = await hashStored(this.store, key);
          if (expected) await copyObject(this.store, store, key, expected);
        }
      } catch (e) {
        await store.close();
        throw e;
      }
      writeJsonDurably(this.paths.config, next);
      this.configValue = next;
      this.configStamp = fileStamp(this.paths.config);
      this.allStores.push(store);
      await this.recordLocked({ type: 'config.store-added', subject: added.name, data: describeStore(added) });
    });
  }

  /** Changes the copies and audit policy; the new policy is checked against the stores (S-006). */
  async setPolicy(change: Partial<Policy>): Promise<Policy> {
    return this.locked(async () => {
      const previous = this.configValue.policy;
      const next = validateConfig({ ...this.configValue, policy: { ...previous, ...change } }, this.paths.config);
      writeJsonDurably(this.paths.config, next);
      this.configValue = next;
      this.configStamp = fileStamp(this.paths.config);
      await this.recordLocked({ type: 'config.policy-changed', data: { previous, policy: next.policy } });
      return next.policy;
    });
  }

  /** Sets or lifts a legal hold on every object of an AIP in every required S3 store with Object Lock. */
  async setLegalHold(id: string, on: boolean, actor?: string): Promise<HeldStore[]> {
    return this.locked(async () => {
      const root = objectRootFor(id);
      if (!(await this.reader.inventory(id))) throw new StorageError('S-001', `no AIP ${id}`, { aip: id });
      const held: HeldStore[] = [];
      for (const [i, sc] of this.configValue.stores.entries()) {
        if (i >= this.configValue.policy.copies || sc.type !== 's3' || !sc.objectLock) continue;
        held.push(await setLegalHold(sc, this.allStores[i]!, root, on));
      }
      await this.recordLocked({ type: on ? 'aip.legal-hold-set' : 'aip.legal-hold-lifted', subject: id, ...(actor ? { actor } : {}), data: { stores: held.map((h) => h.store) } });
      return held;
    });
  }

  // ---- keys -----------------------------------------------------------------------------------

  async initKeys(options: { subject?: string; days?: number } = {}): Promise<CertificateInfo> {
    return this.locked(async () => {
      const cert = await this.keys.init(options);
      for (const s of this.allStores) await publishCertificate(s, cert);
      await this.recordLocked({ type: 'keys.created', data: { fingerprint: cert.fingerprint, subject: cert.subject } });
      return cert;
    });
  }

  async importKeys(file: string, password?: string): Promise<CertificateInfo> {
    return this.locked(async () => {
      const cert = await this.keys.import(file, password);
      for (const s of this.allStores) await publishCertificate(s, cert);
      await this.recordLocked({ type: 'keys.imported', data: { fingerprint: cert.fingerprint, subject: cert.subject } });
      return cert;
    });
  }

  // ---- audit log ------------------------------------------------------------------------------

  /** Appends to the audit log and signs a checkpoint over it, under the write lock. */
  record(event: AuditEvent): Promise<void> {
    return this.locked(() => this.recordLocked(event));
  }

  private async recordLocked(event: AuditEvent): Promise<void> {
    await this.audit.append(event);
    await this.checkpoint();
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


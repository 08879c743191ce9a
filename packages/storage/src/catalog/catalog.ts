import fs from 'node:fs';
import Database from 'better-sqlite3';
import { StorageError } from '../errors.ts';
import type { StoredEvent } from '../aip/model.ts';
import { CATALOG_DDL, CATALOG_SCHEMA_VERSION } from './schema.ts';

export interface AipSummary {
  id: string;
  label: string;
  contentCategory: string;
  head: string;
  created: string;
  updated: string;
  fileCount: number;
  totalSize: number;
}

export interface AipVersionRow {
  version: string;
  created: string;
  message: string;
  user: { name: string; address?: string };
}

export interface AipFileRow {
  path: string;
  sha256: string;
  size: number;
  mimeType: string;
}

export interface AipDetail extends AipSummary {
  objectRoot: string;
  versions: AipVersionRow[];
  files: AipFileRow[];
  events: StoredEvent[];
}

/** Everything the catalog keeps of one AIP, as derived from storage by `indexAip`. */
export interface IndexedAip {
  summary: AipSummary;
  objectRoot: string;
  versions: AipVersionRow[];
  files: (AipFileRow & { contentPath: string })[];
  events: StoredEvent[];
}

/**
 * Later parts of Bevara (records, secrecy, search text) keep their own tables in the same catalog and
 * fill them from the same stored objects; they register here so a rebuild restores them too.
 */
export interface CatalogExtension {
  name: string;
  ddl: string;
  index(db: Database.Database, aip: IndexedAip, read: (logicalPath: string) => Promise<Buffer>): Promise<void>;
  remove(db: Database.Database, aipId: string): void;
  /**
   * A version that will be indexed begins to be written: a slow preparation for index() (loading a document
   * parser) can start now and overlap the write. index() must work without it; what it throws is ignored.
   */
  prepare?(): void;
}

export class Catalog {
  private constructor(
    readonly db: Database.Database,
    private readonly extensions: readonly CatalogExtension[],
    private readonly file: string,
    /** The file's inode when this connection opened it. */
    private readonly inode: number,
  ) {}

  /** Opens (or creates) the catalog; one whose schema differs is reported as stale so the caller rebuilds it. */
  static open(file: string, extensions: readonly CatalogExtension[] = []): { catalog: Catalog; fresh: boolean } {
    // looked at before the open: a file renamed over it in between makes replaced() true, never a replacement missed
    const before = fs.statSync(file, { throwIfNoEntry: false });
    const existed = before !== undefined;
    let db: Database.Database;
    try {
      db = new Database(file);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
    } catch (e) {
      throw new StorageError('S-019', `cannot open catalog ${file}: ${(e as Error).message}`, { path: file }, { cause: e });
    }
    const expected = schemaStamp(extensions);
    const catalog = (): Catalog => new Catalog(db, extensions, file, before?.ino ?? fs.statSync(file).ino);
    try {
      if (!existed || !hasMeta(db)) {
        db.exec(CATALOG_DDL + extensions.map((x) => x.ddl).join('\n'));
        db.prepare('INSERT INTO meta(key, value) VALUES (?, ?)').run('schema', expected);
        return { catalog: catalog(), fresh: true };
      }
      const row = db.prepare("SELECT value FROM meta WHERE key = 'schema'").get() as { value: string } | undefined;
      return { catalog: catalog(), fresh: row?.value !== expected };
    } catch (e) {
      db.close();
      throw new StorageError('S-019', `catalog ${file} is corrupt: ${(e as Error).message}; run 'bevara catalog rebuild'`, { path: file }, { cause: e });
    }
  }

  close(): void {
    this.db.close();
  }

  /**
   * Another file has taken this one's name since it was opened: a rebuild (`bevara catalog rebuild`, perhaps in
   * another process) renamed a new catalog over it. This connection still reads, and would write, the old one.
   */
  replaced(): boolean {
    const now = fs.statSync(this.file, { throwIfNoEntry: false });
    return now !== undefined && now.ino !== this.inode;
  }

  /** Replaces everything known about one AIP, atomically. */
  async put(aip: IndexedAip, read: (logicalPath: string) => Promise<Buffer>): Promise<void> {
    const db = this.db;
    const s = aip.summary;
    db.exec('BEGIN IMMEDIATE');
    try {
      this.deleteRows(s.id);
      db.prepare(
        `INSERT INTO aips(id, object_root, label, content_category, head, created, updated, file_count, total_size)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(s.id, aip.objectRoot, s.label, s.contentCategory, s.head, s.created, s.updated, s.fileCount, s.totalSize);
      const v = db.prepare('INSERT INTO versions(aip_id, version, number, created, message, user_name, user_address) VALUES (?, ?, ?, ?, ?, ?, ?)');
      for (const r of aip.versions) v.run(s.id, r.version, Number(r.version.slice(1)), r.created, r.message, r.user.name, r.user.address ?? null);
      const f = db.prepare('INSERT INTO files(aip_id, path, sha256, size, mime_type, content_path) VALUES (?, ?, ?, ?, ?, ?)');
      for (const r of aip.files) f.run(s.id, r.path, r.sha256, r.size, r.mimeType, r.contentPath);
      const ev = db.prepare(
        `INSERT OR REPLACE INTO events(aip_id, version, event_id, type, date_time, outcome, detail, outcome_detail, agents, objects)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const e of aip.events) {
        ev.run(s.id, e.version, e.id, e.type, e.dateTime, e.outcome, e.detail, e.outcomeDetail ?? null, JSON.stringify(e.agents), JSON.stringify(e.objects ?? []));
      }
      for (const x of this.extensions) await x.index(db, aip, read);
      db.exec('COMMIT');
    } catch (e) {
      db.exec('ROLLBACK');
      throw e;
    }
  }

  remove(aipId: string): void {
    this.db.transaction(() => this.deleteRows(aipId))();
  }

  private deleteRows(aipId: string): void {
    for (const x of this.extensions) x.remove(this.db, aipId);
    for (const t of ['events', 'files', 'versions', 'aips']) {
      this.db.prepare(`DELETE FROM ${t} WHERE ${t === 'aips' ? 'id' : 'aip_id'} = ?`).run(aipId);
    }
  }

  list(): AipSummary[] {
    return (this.db.prepare('SELECT * FROM aips ORDER BY created, id').all() as AipRow[]).map(toSummary);
  }

  get(aipId: string): AipDetail | null {
    const row = this.db.prepare('SELECT * FROM aips WHERE id = ?').get(aipId) as AipRow | undefined;
    if (!row) return null;
    const versions = (this.db.prepare('SELECT * FROM versions WHERE aip_id = ? ORDER BY number').all(aipId) as VersionRow[]).map((v) => ({
      version: v.version,
      created: v.created,
      message: v.message,
      user: { name: v.user_name, ...(v.user_address ? { address: v.user_address } : {}) },
    }));
    const files = (this.db.prepare('SELECT path, sha256, size, mime_type FROM files WHERE aip_id = ? ORDER BY path').all(aipId) as FileRow[]).map((f) => ({
      path: f.path,
      sha256: f.sha256,
      size: f.size,
      mimeType: f.mime_type,
    }));
    const events = (this.db.prepare('SELECT * FROM events WHERE aip_id = ? ORDER BY date_time, event_id').all(aipId) as EventRow[]).map((e) => ({
      id: e.event_id,
      version: e.version,
      type: e.type,
      dateTime: e.date_time,
      outcome: e.outcome as StoredEvent['outcome'],
      detail: e.detail,
      ...(e.outcome_detail ? { outcomeDetail: e.outcome_detail } : {}),
      agents: JSON.parse(e.agents) as StoredEvent['agents'],
      objects: JSON.parse(e.objects) as string[],
    }));
    return { ...toSummary(row), objectRoot: row.object_root, versions, files, events };
  }
}

function hasMeta(db: Database.Database): boolean {
  return !!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
}

function schemaStamp(extensions: readonly CatalogExtension[]): string {
  return [String(CATALOG_SCHEMA_VERSION), ...extensions.map((x) => x.name)].join('+');
}

interface AipRow {
  id: string;
  object_root: string;
  label: string;
  content_category: string;
  head: string;
  created: string;
  updated: string;
  file_count: number;
  total_size: number;
}
interface VersionRow { version: string; created: string; message: string; user_name: string; user_address: string | null }
interface FileRow { path: string; sha256: string; size: number; mime_type: string }
interface EventRow {
  event_id: string; version: string; type: string; date_time: string; outcome: string; detail: string;
  outcome_detail: string | null; agents: string; objects: string;
}

function toSummary(r: AipRow): AipSummary {
  return {
    id: r.id,
    label: r.label,
    contentCategory: r.content_category,
    head: r.head,
    created: r.created,
    updated: r.updated,
    fileCount: r.file_count,
    totalSize: r.total_size,
  };
}

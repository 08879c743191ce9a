import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import Database from 'better-sqlite3';
import { StorageError, type BevaraError } from '../errors.ts';
import { isLiveProcess } from '../live-process.ts';

/**
 * One holder at a time, across processes: of an archive's writes (the audit log's chain and OCFL's version numbers
 * both need a single sequence of writes), of its fixity audit (two at once would interleave their saved
 * positions), of a drop folder (two watchers would take the same package). Within a process, callers queue; across processes, the lock is an exclusive transaction on a small
 * SQLite database beside the owner record (`write.lock.db`, `audit.lock.db`). The kernel holds that lock for the
 * process and drops it when the process ends however it ends (a crash, SIGKILL), so there is no stale lock to
 * judge and take over: a lock file whose owner is judged from its contents let two writers in at once (one read
 * the file in the moment between its creation and its contents and took it for a crashed writer's). The database
 * must not be removed while Bevara runs; if it is, the holder notices at its next take and opens the new one.
 *
 * The owner record (`write.lock`: pid, host, since, and `lock: "database"`) is written once the lock is held and
 * removed before it is let go. One found by the next holder was left by a process that died holding the lock
 * (ownerDied), which may have left temp files, whatever process has its number now; it also names the holder in
 * the error of a process that waited too long. A record without `lock` was written by a Bevara from before the lock
 * database, which locked by the record alone: while it names a live process on this host it is honoured, so a
 * command of a new installation waits for a server still running the old one.
 *
 * Not reentrant: a locked section calls the unlocked forms of what it needs (Archive.exclusive hands them out).
 * Telling a nested call from a concurrent one would take AsyncLocalStorage, whose promise hook then runs for every
 * promise the process makes (about 6% of a 10,000-file ingest's CPU).
 */
export interface ProcessLockOptions {
  /** How long run() waits for another holder before it gives up (default 30 s); 0: not at all, not even for this process's own. */
  waitMs?: number;
  /** The error run() gives up with; `holder` names the holder, as ' (pid N on HOST since T)', or is ''. */
  busy?: (holder: string) => BevaraError;
}

interface Owner {
  pid?: unknown;
  host?: unknown;
  since?: unknown;
  /** 'database' in the records of this lock; absent in those of the lock before it. */
  lock?: unknown;
}

export class ProcessLock {
  private queue: Promise<unknown> = Promise.resolve();
  /** Sections of this process under the lock, queued or running (between() sections are not counted). */
  private lockSections = 0;
  private db: Database.Database | undefined;
  /** The inode of the lock database `db` opened: another at its name means it was removed and made again. */
  private dbInode: number | undefined;
  private held = false;
  private readonly waitMs: number;
  private readonly busy: (holder: string) => BevaraError;

  /** `file`: the owner record; the lock database is `file` + '.db'. */
  constructor(private readonly file: string, options: ProcessLockOptions = {}) {
    this.waitMs = options.waitMs ?? 30_000;
    this.busy = options.busy ?? ((holder) => new StorageError('S-016', `the archive is being written by another process${holder} (lock ${file}.db)`, { path: file }));
  }

  run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.waitMs === 0 && this.lockSections > 0) return Promise.reject(this.busy(this.ownerText()));
    return this.lockSection(async () => {
      await this.acquire();
      return this.holding(fn);
    });
  }

  /**
   * Runs `fn` under the lock when no one holds it now; false, without waiting, when someone does (another process,
   * or this one): for housekeeping a reader may do in passing but must not wait for.
   */
  async runIfFree(fn: () => Promise<void>): Promise<boolean> {
    if (this.lockSections > 0) return false;
    return this.lockSection(async () => {
      if (!this.tryLock()) return false;
      await this.holding(fn);
      return true;
    });
  }

  /**
   * Takes the lock and keeps it until the function it resolves to is called; that resolves once the lock is let
   * go. For a holder for as long as it runs (a drop folder's watcher) rather than for one section.
   */
  async hold(): Promise<() => Promise<void>> {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let taken!: () => void;
    const isTaken = new Promise<void>((resolve) => (taken = resolve));
    const held = this.run(async () => {
      taken();
      await released;
    });
    await Promise.race([isTaken, held]);
    return async () => {
      release();
      await held;
    };
  }

  /** Runs `fn` between this process's own sections under the lock, without taking the lock across processes. */
  between<T>(fn: () => Promise<T>): Promise<T> {
    return this.queued(fn);
  }

  /** The owner record is there and no one holds the lock: a process died holding it (it may have left temp files). */
  ownerDied(): boolean {
    if (this.lockSections > 0 || !fs.existsSync(this.file)) return false;
    if (!this.tryLock()) return false;
    this.unlock();
    return fs.existsSync(this.file);
  }

  /** Lets go of the lock database (the archive is closed); a later run opens it again. */
  close(): void {
    if (this.held) return;
    this.db?.close();
    this.db = undefined;
  }

  private queued<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private lockSection<T>(fn: () => Promise<T>): Promise<T> {
    this.lockSections++;
    return this.queued(fn).finally(() => this.lockSections--);
  }

  private async holding<T>(fn: () => Promise<T>): Promise<T> {
    try {
      this.writeOwner();
      return await fn();
    } finally {
      try {
        fs.rmSync(this.file, { force: true });
      } catch {
        // left behind, the next holder takes it for the record of one that died: it only removes temp files
      }
      this.unlock();
    }
  }

  private async acquire(): Promise<void> {
    const deadline = Date.now() + this.waitMs;
    while (!this.tryLock()) {
      if (Date.now() >= deadline) throw this.busy(this.ownerText());
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Takes the lock if no one holds it; never waits (the connection's busy timeout is 0). */
  private tryLock(): boolean {
    const dbFile = `${this.file}.db`;
    try {
      if (this.db && fs.statSync(dbFile, { throwIfNoEntry: false })?.ino !== this.dbInode) {
        // removed (and perhaps made again by another process) since it was opened: a lock on the old file keeps no one out
        this.db.close();
        this.db = undefined;
      }
      if (!this.db) {
        this.db = new Database(dbFile, { timeout: 0 });
        this.dbInode = fs.statSync(dbFile).ino;
      }
      this.db.exec('BEGIN EXCLUSIVE');
    } catch (e) {
      if ((e as { code?: unknown }).code === 'SQLITE_BUSY') return false;
      throw new StorageError('S-027', `cannot use the lock ${dbFile}: ${e instanceof Error ? e.message : String(e)}`, { path: dbFile }, { cause: e });
    }
    this.held = true;
    if (this.recordOfLiveProcess()) {
      this.unlock();
      return false;
    }
    return true;
  }

  private unlock(): void {
    this.held = false;
    this.db!.exec('ROLLBACK');
  }

  /** A record of the lock before this one (no `lock` field) naming another live process on this host. */
  private recordOfLiveProcess(): boolean {
    const owner = this.readOwner();
    if (owner === undefined || owner.lock !== undefined) return false;
    if (owner.host !== os.hostname() || typeof owner.pid !== 'number' || owner.pid === process.pid) return false;
    return isLiveProcess(owner.pid);
  }

  /** Written whole under a temporary name and renamed: a reader never sees part of it. */
  private writeOwner(): void {
    const temp = `${this.file}.${randomUUID()}`;
    try {
      const fd = fs.openSync(temp, 'wx', 0o644);
      try {
        fs.writeSync(fd, JSON.stringify({ pid: process.pid, host: os.hostname(), since: new Date().toISOString(), lock: 'database' }));
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(temp, this.file);
    } catch (e) {
      fs.rmSync(temp, { force: true });
      throw new StorageError('S-027', `cannot write the lock's owner record ${this.file}`, { path: this.file }, { cause: e });
    }
  }

  private readOwner(): Owner | undefined {
    try {
      return JSON.parse(fs.readFileSync(this.file, 'utf8')) as Owner;
    } catch {
      return undefined;
    }
  }

  /** ' (pid N on HOST since T)' from the owner record, or '' when it cannot be read. */
  private ownerText(): string {
    const owner = this.readOwner();
    return owner ? ` (pid ${String(owner.pid)} on ${String(owner.host)} since ${String(owner.since)})` : '';
  }
}

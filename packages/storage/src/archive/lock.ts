import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import Database from 'better-sqlite3';
import { StorageError } from '../errors.ts';

/**
 * One holder at a time per archive, across processes: the writer (the audit log's chain and OCFL's version numbers
 * both need a single sequence of writes), or the fixity audit (two at once would interleave their saved
 * positions). Within a process, callers queue; across processes, the lock is an exclusive
 * transaction on a small SQLite database beside the owner record (`write.lock.db`, `audit.lock.db`). The kernel holds that lock
 * for the process and drops it when the process ends however it ends (a crash, SIGKILL), so there is no stale
 * lock to judge and take over: a lock file whose owner is judged from its contents let two writers in at once
 * (one read the file in the moment between its creation and its contents and took it for a crashed writer's).
 *
 * The owner record (`write.lock`: pid, host, since) is written once the lock is held and removed before it is let
 * go. One found by the next holder was left by a writer that died holding the lock (ownerDied), which may have
 * left temp files; it also names the writer in the error of a writer that waited too long (S-016).
 *
 * Not reentrant: a locked section calls the unlocked forms of what it needs (Archive.exclusive hands them out).
 * Telling a nested call from a concurrent one would take AsyncLocalStorage, whose promise hook then runs for every
 * promise the process makes (about 6% of a 10,000-file ingest's CPU).
 */
export interface ProcessLockOptions {
  /** How long run() waits for another holder before it gives up (default 30 s). */
  waitMs?: number;
  /** The error run() gives up with; `holder` names the holder, as ' (pid N on HOST since T)', or is ''. */
  busy?: (holder: string) => StorageError;
}

export class ProcessLock {
  private queue: Promise<unknown> = Promise.resolve();
  private db: Database.Database | undefined;
  private held = false;
  private readonly waitMs: number;
  private readonly busy: (holder: string) => StorageError;

  /** `file`: the owner record; the lock database is `file` + '.db'. */
  constructor(private readonly file: string, options: ProcessLockOptions = {}) {
    this.waitMs = options.waitMs ?? 30_000;
    this.busy = options.busy ?? ((holder) => new StorageError('S-016', `the archive is being written by another process${holder} (lock ${file})`, { path: file }));
  }

  run<T>(fn: () => Promise<T>): Promise<T> {
    return this.queued(async () => {
      await this.acquire();
      return this.holding(fn);
    });
  }

  /**
   * Runs `fn` under the lock when no writer holds it now; false, without waiting, when one does (another process,
   * or this one): for housekeeping a reader may do in passing but must not wait for.
   */
  async runIfFree(fn: () => Promise<void>): Promise<boolean> {
    if (this.held) return false;
    return this.queued(async () => {
      if (!this.tryLock()) return false;
      await this.holding(fn);
      return true;
    });
  }

  /** The owner record is there and no writer holds the lock: a writer died holding it (it may have left temp files). */
  ownerDied(): boolean {
    if (this.held || !fs.existsSync(this.file)) return false;
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

  private async holding<T>(fn: () => Promise<T>): Promise<T> {
    try {
      this.writeOwner();
      return await fn();
    } finally {
      fs.rmSync(this.file, { force: true });
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
    try {
      this.db ??= new Database(`${this.file}.db`, { timeout: 0 });
      this.db.exec('BEGIN EXCLUSIVE');
    } catch (e) {
      if ((e as { code?: unknown }).code === 'SQLITE_BUSY') return false;
      throw new StorageError('S-027', `cannot use the write lock ${this.file}.db: ${e instanceof Error ? e.message : String(e)}`, { path: `${this.file}.db` }, { cause: e });
    }
    this.held = true;
    return true;
  }

  private unlock(): void {
    this.held = false;
    this.db!.exec('ROLLBACK');
  }

  /** Written whole under a temporary name and renamed: a reader never sees part of it. */
  private writeOwner(): void {
    const temp = `${this.file}.${randomUUID()}`;
    try {
      const fd = fs.openSync(temp, 'wx', 0o644);
      try {
        fs.writeSync(fd, JSON.stringify({ pid: process.pid, host: os.hostname(), since: new Date().toISOString() }));
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(temp, this.file);
    } catch (e) {
      fs.rmSync(temp, { force: true });
      throw new StorageError('S-027', `cannot write the write lock's owner record ${this.file}`, { path: this.file }, { cause: e });
    }
  }

  /** ' (pid N on HOST since T)' from the owner record, or '' when it cannot be read. */
  private ownerText(): string {
    try {
      const owner = JSON.parse(fs.readFileSync(this.file, 'utf8')) as { pid?: unknown; host?: unknown; since?: unknown };
      return ` (pid ${String(owner.pid)} on ${String(owner.host)} since ${String(owner.since)})`;
    } catch {
      return '';
    }
  }
}

import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { isNoSpaceError, StorageError } from '../errors.ts';
import type { Journal } from '../ocfl/transaction.ts';

export interface JournalEntry {
  objectRoot: string;
  objectId: string;
  version: number;
  started: string;
}

/** Journal of versions being written, one durable file each, in the archive's staging folder. */
export class FileJournal implements Journal {
  constructor(private readonly dir: string) {}

  async begin(entry: { objectRoot: string; objectId: string; version: number }): Promise<string> {
    try {
      fs.mkdirSync(this.dir, { recursive: true });
    } catch (e) {
      throw journalFailure(e, this.dir);
    }
    const token = randomUUID();
    const file = path.join(this.dir, `${token}.json`);
    try {
      const fd = fs.openSync(file, 'wx');
      try {
        fs.writeSync(fd, JSON.stringify({ ...entry, started: new Date().toISOString() } satisfies JournalEntry));
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fsyncDir(this.dir);
    } catch (e) {
      // nothing has been written to a store yet: an entry that could not be written whole is not left behind
      fs.rmSync(file, { force: true });
      throw journalFailure(e, this.dir);
    }
    return token;
  }

  async end(token: string): Promise<void> {
    fs.rmSync(path.join(this.dir, `${token}.json`), { force: true });
    fsyncDir(this.dir);
  }

  /** Entries left by a process that died mid-write; a cut-short file (crash during begin) is returned as null. */
  pending(): { token: string; entry: JournalEntry | null }[] {
    if (!fs.existsSync(this.dir)) return [];
    return fs
      .readdirSync(this.dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => {
        const token = f.slice(0, -5);
        try {
          return { token, entry: JSON.parse(fs.readFileSync(path.join(this.dir, f), 'utf8')) as JournalEntry };
        } catch {
          return { token, entry: null };
        }
      });
  }
}

function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** A full staging disk is S-025 (retryable: space may be freed); any other file-system error is S-027. */
function journalFailure(e: unknown, dir: string): unknown {
  if (isNoSpaceError(e)) {
    return new StorageError('S-025', `no space left in the staging folder ${dir} for the write journal; free space and try again`, { path: dir }, { cause: e });
  }
  if (typeof (e as NodeJS.ErrnoException | undefined)?.code === 'string') return new StorageError('S-027', `cannot write the journal in ${dir}: ${(e as Error).message}`, { path: dir }, { cause: e });
  return e;
}

/**
 * A writer that died holding the write lock (SIGKILL) may have been cut short outside any journalled version: an
 * audit-log entry or checkpoint half-written under a temp name. The next open removes those, and the owner record
 * the writer left.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { Archive } from './archive.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/**
 * A live writer: the lock database held by a connection of its own (SQLite keeps connections of one process apart
 * as it keeps processes apart), with its owner record.
 */
function liveWriter(dir: string): { end(): void } {
  const db = new Database(path.join(dir, 'write.lock.db'));
  db.exec('BEGIN EXCLUSIVE');
  fs.writeFileSync(path.join(dir, 'write.lock'), JSON.stringify({ pid: process.pid, host: os.hostname(), since: new Date().toISOString() }));
  return {
    end() {
      fs.rmSync(path.join(dir, 'write.lock'));
      db.exec('ROLLBACK');
      db.close();
    },
  };
}

it('removes the temp files of a writer that died holding the lock, and the lock, on open', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bevara-recover-'));
  dirs.push(dir);
  const archive = await Archive.init(dir);
  await archive.record({ type: 'test.entry', data: {} });
  await archive.close();
  const entries = path.join(dir, 'store', 'extensions', 'bevara-audit-log', 'entries');
  const cutShort = path.join(entries, '.tmp-cut-short');
  fs.writeFileSync(cutShort, 'half an entry');
  const lock = path.join(dir, 'write.lock');

  // a live writer's temp file is not touched
  const writer = liveWriter(dir);
  await (await Archive.open(dir)).close();
  expect(fs.existsSync(cutShort)).toBe(true);
  writer.end();

  // what a writer killed while holding the lock leaves: its owner record, and no one holding the lock
  fs.writeFileSync(lock, JSON.stringify({ pid: 999_999, host: os.hostname(), since: new Date().toISOString() }));
  const reopened = await Archive.open(dir);
  expect(fs.existsSync(cutShort)).toBe(false);
  expect(fs.existsSync(lock)).toBe(false);
  expect((await reopened.verifyLog()).ok).toBe(true);
  await reopened.close();
});

it('temp files an audit-log entry or checkpoint cut short left go at the next open with no writer at work, or at the log\'s first write', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bevara-recover-'));
  dirs.push(dir);
  await (await Archive.init(dir)).close();
  const cutShort = path.join(dir, 'store', 'extensions', 'bevara-audit-log', 'checkpoints', '.tmp-cut-short');
  fs.writeFileSync(cutShort, 'half a checkpoint');
  // while a live writer holds the lock its temp files are its own
  const writer = liveWriter(dir);
  await (await Archive.open(dir)).close();
  expect(fs.existsSync(cutShort)).toBe(true);
  writer.end();
  // with no writer at work, an open removes it; so does the log's first write
  await (await Archive.open(dir)).close();
  expect(fs.existsSync(cutShort)).toBe(false);
  fs.writeFileSync(cutShort, 'half a checkpoint');
  const archive = await Archive.open(dir);
  fs.writeFileSync(cutShort, 'half a checkpoint');
  await archive.record({ type: 'test.entry', data: {} });
  expect(fs.existsSync(cutShort)).toBe(false);
  expect((await archive.verifyLog()).ok).toBe(true);
  await archive.close();
});

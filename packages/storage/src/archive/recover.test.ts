/**
 * A writer that died holding the write lock (SIGKILL) may have been cut short outside any journalled version: an
 * audit-log entry or checkpoint half-written under a temp name. The next open removes those with the stale lock.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { Archive } from './archive.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** The pid of a process that has ended. */
function deadPid(): number {
  return Number(execFileSync('sh', ['-c', 'sh -c "echo \\$\\$" && true']).toString().trim());
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
  fs.writeFileSync(lock, JSON.stringify({ pid: process.pid, host: os.hostname(), since: new Date().toISOString() }));
  await (await Archive.open(dir)).close();
  expect(fs.existsSync(cutShort)).toBe(true);

  fs.writeFileSync(lock, JSON.stringify({ pid: deadPid(), host: os.hostname(), since: new Date().toISOString() }));
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
  const lock = path.join(dir, 'write.lock');
  // while a live writer holds the lock its temp files are its own
  fs.writeFileSync(lock, JSON.stringify({ pid: process.pid, host: os.hostname(), since: new Date().toISOString() }));
  await (await Archive.open(dir)).close();
  expect(fs.existsSync(cutShort)).toBe(true);
  fs.rmSync(lock);
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

/**
 * The write lock queues every writer of a process, and a section under it (Archive.exclusive) writes through the
 * forms it is handed: the archive's own methods wait for the lock, even when called from inside the section.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { Archive, type LockedWrites } from './archive.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

it('runs the writes a locked section is handed at once, and a concurrent writer only after the section', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bevara-lock-'));
  dirs.push(dir);
  const archive = await Archive.init(dir);
  try {
    let outside: Promise<void> | undefined;
    let kept: LockedWrites | undefined;
    const aip = await archive.exclusive(async (locked) => {
      kept = locked;
      outside = archive.record({ type: 'test.outside', data: {} });
      const created = await locked.createAip({ id: 'urn:test:lock', label: 'lock', files: [{ path: 'a.txt', source: Buffer.from('a') }], events: [], message: 'first', user: { name: 'test' } });
      await locked.addVersion(created.id, { files: [{ path: 'b.txt', source: Buffer.from('b') }], events: [], message: 'second', user: { name: 'test' } });
      await locked.record({ type: 'test.inside', data: {} });
      return created.id;
    });
    await outside;
    expect(archive.show(aip).head).toBe('v2');
    const types: string[] = [];
    for await (const e of archive.audit.entries()) types.push(e.type);
    expect(types.slice(-4)).toEqual(['aip.created', 'aip.versioned', 'test.inside', 'test.outside']);
    expect((await archive.verifyLog()).ok).toBe(true);
    // what a section was handed does not write once the lock is no longer its own
    await expect(kept!.record({ type: 'test.late', data: {} })).rejects.toThrow(/after its section ended/);
  } finally {
    await archive.close();
  }
});

it('refuses with S-018 a version built on a head that another version replaced meanwhile, writing nothing', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bevara-lock-'));
  dirs.push(dir);
  const archive = await Archive.init(dir);
  try {
    const aip = await archive.createAip({ label: 'based', files: [{ path: 'a.txt', source: Buffer.from('a') }], events: [], message: 'v1', user: { name: 'test' } });
    const second = { files: [{ path: 'b.txt', source: Buffer.from('b') }], events: [], message: 'v2', user: { name: 'test' }, basedOn: 'v1' };
    expect((await archive.addVersion(aip.id, second)).head).toBe('v2');
    // a second writer that also read v1
    await expect(archive.addVersion(aip.id, { ...second, files: [{ path: 'c.txt', source: Buffer.from('c') }] })).rejects.toMatchObject({ code: 'S-018' });
    expect(archive.show(aip.id).head).toBe('v2');
    expect((await archive.verify([aip.id]))[0]!.ok).toBe(true);
  } finally {
    await archive.close();
  }
});

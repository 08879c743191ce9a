/**
 * The write lock queues every writer of a process, and a section under it (Archive.exclusive) writes through the
 * forms it is handed: the archive's own methods wait for the lock, even when called from inside the section.
 * Across processes it lets one writer in at a time, and a writer killed while holding it holds it no longer.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, expect, it } from 'vitest';
import { Archive, type LockedWrites } from './archive.ts';
import { ProcessLock } from './lock.ts';

const LOCK_MODULE = JSON.stringify(pathToFileURL(path.join(import.meta.dirname, 'lock.ts')).href);

/** Takes the lock ROUNDS times, noting in LOG when it enters and leaves, with a pause of up to 3 ms inside. */
const CONTENDER = `
import { appendFileSync } from 'node:fs';
import { ProcessLock } from ${LOCK_MODULE};
const [file, log, rounds] = process.argv.slice(1);
const lock = new ProcessLock(file, { waitMs: 120_000 });
for (let i = 0; i < Number(rounds); i++) {
  await lock.run(async () => {
    appendFileSync(log, '+' + process.pid + '\\n');
    await new Promise((r) => setTimeout(r, Math.random() * 3));
    appendFileSync(log, '-' + process.pid + '\\n');
  });
}
lock.close();
`;

/** Takes the lock, says so, and holds it until killed. */
const HOLDER = `
import { ProcessLock } from ${LOCK_MODULE};
await new ProcessLock(process.argv[1]).run(() => new Promise(() => { console.log('held'); setInterval(() => undefined, 1000); }));
`;

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

it('lets one process in at a time: four contenders, each entering 40 times, never overlap', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bevara-lock-'));
  dirs.push(dir);
  const file = path.join(dir, 'write.lock');
  const log = path.join(dir, 'log');
  const run = () => promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CONTENDER, file, log, '40'], { timeout: 120_000 });
  await Promise.all([run(), run(), run(), run()]);
  const lines = fs.readFileSync(log, 'utf8').trim().split('\n');
  expect(lines).toHaveLength(4 * 40 * 2);
  for (let i = 0; i < lines.length; i += 2) {
    expect(lines[i]!.startsWith('+'), `line ${i}: ${lines[i]}`).toBe(true);
    expect(lines[i + 1], `line ${i + 1}`).toBe(`-${lines[i]!.slice(1)}`);
  }
  // the owner record goes with each holder
  expect(fs.existsSync(file)).toBe(false);
}, 180_000);

/** A lock in a new folder, held by a child process (HOLDER) until it is killed. */
async function heldByChild(): Promise<{ file: string; child: ChildProcess }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bevara-lock-'));
  dirs.push(dir);
  const file = path.join(dir, 'write.lock');
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', HOLDER, file], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('held') && resolve());
    child.on('exit', () => reject(new Error('the holder ended before it held the lock')));
  });
  return { file, child };
}

it('is free as soon as a writer holding it is killed, and tells that the writer died', async () => {
  const { file, child } = await heldByChild();
  const lock = new ProcessLock(file, { waitMs: 200 });
  try {
    expect(lock.ownerDied()).toBe(false);
    // held by a live process: a writer that may wait 200 ms gives up with S-016, naming the holder
    await expect(lock.run(async () => undefined)).rejects.toMatchObject({ code: 'S-016', message: expect.stringContaining(`pid ${child.pid}`) });
    const gone = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGKILL');
    await gone;
    expect(lock.ownerDied()).toBe(true);
    expect(await lock.run(async () => 'mine')).toBe('mine');
    expect(lock.ownerDied()).toBe(false);
  } finally {
    lock.close();
  }
}, 60_000);

it('keeps out a writer while another holds the lock, whatever its owner record says (even empty)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bevara-lock-'));
  dirs.push(dir);
  const file = path.join(dir, 'write.lock');
  const holder = new ProcessLock(file);
  const waiter = new ProcessLock(file, { waitMs: 300 });
  try {
    await holder.run(async () => {
      // what a reader saw of a lock file in the moment between its creation and its contents: once taken for a
      // crashed writer's, which let a second writer in
      fs.writeFileSync(file, '');
      await expect(waiter.run(async () => 'in')).rejects.toMatchObject({ code: 'S-016' });
      expect(await waiter.runIfFree(async () => undefined)).toBe(false);
      expect(waiter.ownerDied()).toBe(false);
    });
    expect(await waiter.run(async () => 'in')).toBe('in');
  } finally {
    holder.close();
    waiter.close();
  }
});

it("honours an older Bevara's record naming a live process, and not a record of its own whose holder is gone", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bevara-lock-'));
  dirs.push(dir);
  const file = path.join(dir, 'write.lock');
  const lock = new ProcessLock(file, { waitMs: 300 });
  try {
    // a server still running the Bevara before the lock database: its record alone is its lock (this test's parent
    // process stands for it)
    fs.writeFileSync(file, JSON.stringify({ pid: process.ppid, host: os.hostname(), since: new Date().toISOString() }));
    await expect(lock.run(async () => 'in')).rejects.toMatchObject({ code: 'S-016', message: expect.stringContaining(`pid ${process.ppid}`) });
    expect(lock.ownerDied()).toBe(false);
    // a record of this lock whose holder is gone, its number now another live process's: the holder died
    fs.writeFileSync(file, JSON.stringify({ pid: process.ppid, host: os.hostname(), since: new Date().toISOString(), lock: 'database' }));
    expect(lock.ownerDied()).toBe(true);
    expect(await lock.run(async () => 'in')).toBe('in');
  } finally {
    lock.close();
  }
});

it('with no wait, refuses at once while this process holds or awaits it too', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bevara-lock-'));
  dirs.push(dir);
  const lock = new ProcessLock(path.join(dir, 'audit.lock'), { waitMs: 0 });
  try {
    let release!: () => void;
    let taken!: () => void;
    const isTaken = new Promise<void>((r) => (taken = r));
    const first = lock.run(() => new Promise<void>((r) => {
      release = r;
      taken();
    }));
    await isTaken;
    await expect(lock.run(async () => undefined)).rejects.toMatchObject({ code: 'S-016' });
    expect(await lock.runIfFree(async () => undefined)).toBe(false);
    release();
    await first;
    expect(await lock.run(async () => 'again')).toBe('again');
  } finally {
    lock.close();
  }
});

/**
 * A long-running process (a server) keeps its archive open while commands run in other processes: its next reads
 * and writes go to the catalog a `bevara catalog rebuild` renamed over the old one, not to the file that no longer
 * has a name; its audit-log entries chain on from the ones the commands appended; it writes to a store another
 * process added once the policy counts it, keeps that store when it changes the configuration itself, and signs
 * with, and trusts, a key another process made current. One fixity audit runs at a time.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, expect, it } from 'vitest';
import { renderMetrics } from '../metrics/metrics.ts';
import { objectRootFor } from '../ocfl/layout.ts';
import { verifyObject } from '../verify/object.ts';
import { Archive } from './archive.ts';

/**
 * Another process: `rebuild` rebuilds the catalog, `record` appends an audit-log entry, `second-store` adds a local
 * store and makes the policy count it, `rotate` makes a new key current.
 */
const COMMAND = `
import { Archive } from ${JSON.stringify(pathToFileURL(path.join(import.meta.dirname, 'archive.ts')).href)};
const archive = await Archive.open(process.argv[1]);
const command = process.argv[2];
if (command === 'rebuild') await archive.rebuildCatalog();
else if (command === 'record') await archive.record({ type: 'test.other-process', data: {} });
else if (command === 'second-store') {
  await archive.addStore({ name: 'second', type: 'local', path: 'second' }, { create: true });
  await archive.setPolicy({ copies: 2 });
} else if (command === 'rotate') console.log((await archive.initKeys({ subject: 'CN=Rotated' })).fingerprint);
await archive.close();
`;
const inOtherProcess = async (dir: string, command: 'rebuild' | 'record' | 'second-store' | 'rotate'): Promise<string> =>
  (await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', COMMAND, dir, command], { timeout: 60_000 })).stdout.trim();

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const version = (label: string) => ({ label, files: [{ path: 'a.txt', source: Buffer.from(label) }], events: [], message: label, user: { name: 'test' } });

it("answers from and writes to the catalog another process rebuilt while this one had the archive open", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bevara-two-processes-'));
  dirs.push(dir);
  const server = await Archive.init(dir);
  try {
    const first = await server.createAip(version('before'));
    const replacedInode = fs.statSync(path.join(dir, 'catalog.sqlite')).ino;
    await inOtherProcess(dir, 'rebuild');
    expect(fs.statSync(path.join(dir, 'catalog.sqlite')).ino).not.toBe(replacedInode);

    const second = await server.createAip(version('after'));
    expect(server.list().map((a) => a.id).sort()).toEqual([first.id, second.id].sort());
    // what the server wrote after the rebuild is in the catalog every other process opens
    const other = await Archive.open(dir);
    try {
      expect(other.list().map((a) => a.id).sort()).toEqual([first.id, second.id].sort());
      expect(other.show(second.id).label).toBe('after');
    } finally {
      await other.close();
    }
  } finally {
    await server.close();
  }
}, 90_000);

it('chains its audit-log entries on from those another process appended while this one had the archive open', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bevara-two-processes-'));
  dirs.push(dir);
  const server = await Archive.init(dir);
  try {
    await server.record({ type: 'test.server', data: {} });
    await inOtherProcess(dir, 'record');
    await inOtherProcess(dir, 'record');
    // a version's entry and checkpoint: before, the server's stale head made this fail (S-023) after the commit
    const aip = await server.createAip(version('after the commands'));
    await server.record({ type: 'test.server', data: {} });
    const types: string[] = [];
    for await (const e of server.audit.entries()) types.push(e.type);
    expect(types.slice(-5)).toEqual(['test.server', 'test.other-process', 'test.other-process', 'aip.created', 'test.server']);
    expect((await server.verifyLog()).ok).toBe(true);
    expect(server.show(aip.id).head).toBe('v1');
  } finally {
    await server.close();
  }
}, 90_000);

it('writes to the store another process added, keeps it when it changes the policy itself, and uses its new key', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bevara-two-processes-'));
  dirs.push(dir);
  const server = await Archive.init(dir);
  try {
    await inOtherProcess(dir, 'second-store');
    // what is read without writing knows at once: /metrics, and which stores an audit is due for
    expect(await renderMetrics(server)).toMatch(/^bevara_policy_copies 2$/m);
    expect(server.auditDue()).toEqual(['local', 'second']);
    const aip = await server.createAip(version('two copies'));
    // the policy another process set counts the store it added: the version is on both
    expect(server.requiredStores.map((s) => s.name)).toEqual(['local', 'second']);
    expect(fs.existsSync(path.join(dir, 'second'))).toBe(true);
    for (const store of server.requiredStores) expect(await store.stat(`${objectRootFor(aip.id)}/inventory.json`), store.name).not.toBeNull();
    // a change of this process's own starts from the configuration on disk, not from its old copy
    await server.setPolicy({ audit: { cycleDays: 30 } });
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'bevara.json'), 'utf8'))).toMatchObject({ stores: [{ name: 'local' }, { name: 'second' }], policy: { copies: 2, audit: { cycleDays: 30 } } });

    const rotated = await inOtherProcess(dir, 'rotate');
    const after = await server.createAip(version('new key'));
    // signed with the key the other process made current: it verifies against that certificate alone
    const current = server.keys.current()!;
    expect(current.fingerprint).toBe(rotated);
    expect((await verifyObject(server.store, objectRootFor(after.id), [current], after.id)).findings).toEqual([]);
    // and this process trusts it, and still the old one
    expect((await server.verify(undefined)).map((v) => v.findings)).toEqual([[], []]);
    expect((await server.verifyLog()).ok).toBe(true);
  } finally {
    await server.close();
  }
}, 120_000);

it('runs one fixity audit at a time: another gives up at once with S-028 while one runs, and runs once it is done', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bevara-two-processes-'));
  dirs.push(dir);
  const first = await Archive.init(dir);
  const second = await Archive.open(dir);
  try {
    await first.createAip({ ...version('audited'), files: [{ path: 'big.bin', source: Buffer.alloc(2 * 1024 * 1024, 7) }] });
    // read at 1 MB/s, the first audit takes about two seconds
    const running = first.auditCopies({ bytesPerSecond: 1024 * 1024 });
    let ended = false;
    void running.finally(() => (ended = true)).catch(() => undefined);
    while (!fs.existsSync(path.join(dir, 'audit.lock')) && !ended) await new Promise((r) => setTimeout(r, 10));
    await expect(second.auditCopies()).rejects.toMatchObject({ code: 'S-028', message: expect.stringContaining(`pid ${process.pid}`) });
    expect((await running).ok).toBe(true);
    expect((await second.auditCopies()).ok).toBe(true);
  } finally {
    await second.close();
    await first.close();
  }
}, 60_000);

it('refuses with S-006 a write after the stores in bevara.json changed other than by adding one, writing nothing', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bevara-two-processes-'));
  dirs.push(dir);
  const server = await Archive.init(dir);
  try {
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'bevara.json'), 'utf8')) as { stores: { name: string }[] };
    config.stores[0]!.name = 'renamed';
    fs.writeFileSync(path.join(dir, 'bevara.json'), JSON.stringify(config));
    await expect(server.createAip(version('refused'))).rejects.toMatchObject({ code: 'S-006', message: expect.stringContaining('restart') });
    expect(server.list()).toEqual([]);
  } finally {
    await server.close();
  }
});

it('refuses with S-019 a catalog another process rebuilt with other tables than this one knows', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bevara-two-processes-'));
  dirs.push(dir);
  await (await Archive.init(dir)).close();
  // this process knows one more table than the process that rebuilds (another version of Bevara, say)
  const extra = { name: 'test-extra/1', ddl: 'CREATE TABLE test_extra (x TEXT);', index: async () => undefined, remove: () => undefined };
  const server = await Archive.open(dir, { catalogExtensions: [extra] });
  try {
    expect(server.list()).toEqual([]);
    await inOtherProcess(dir, 'rebuild');
    expect(() => server.list()).toThrow(expect.objectContaining({ code: 'S-019' }));
  } finally {
    await server.close();
  }
}, 60_000);

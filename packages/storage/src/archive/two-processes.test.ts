/**
 * A long-running process (a server) keeps its archive open while commands run in other processes: its next reads
 * and writes go to the catalog a `bevara catalog rebuild` renamed over the old one, not to the file that no longer
 * has a name, and its audit-log entries chain on from the ones the commands appended.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, expect, it } from 'vitest';
import { Archive } from './archive.ts';

/** Another process: `rebuild` rebuilds the catalog, `record` appends an audit-log entry. */
const COMMAND = `
import { Archive } from ${JSON.stringify(pathToFileURL(path.join(import.meta.dirname, 'archive.ts')).href)};
const archive = await Archive.open(process.argv[1]);
if (process.argv[2] === 'rebuild') await archive.rebuildCatalog();
else await archive.record({ type: 'test.other-process', data: {} });
await archive.close();
`;
const inOtherProcess = (dir: string, command: 'rebuild' | 'record') =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', COMMAND, dir, command], { timeout: 60_000 });

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

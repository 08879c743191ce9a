/**
 * A long-running process (a server) keeps its archive open while another process runs `bevara catalog rebuild`,
 * which renames a new catalog over the old: the server's next reads and writes go to the new catalog, not to the
 * file that no longer has a name.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, expect, it } from 'vitest';
import { Archive } from './archive.ts';

const REBUILD = `
import { Archive } from ${JSON.stringify(pathToFileURL(path.join(import.meta.dirname, 'archive.ts')).href)};
const archive = await Archive.open(process.argv[1]);
await archive.rebuildCatalog();
await archive.close();
`;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const version = (label: string) => ({ label, files: [{ path: 'a.txt', source: Buffer.from(label) }], events: [], message: label, user: { name: 'test' } });

it("answers from and writes to the catalog another process rebuilt while this one had the archive open", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bevara-catalog-rebuilt-'));
  dirs.push(dir);
  const server = await Archive.init(dir);
  try {
    const first = await server.createAip(version('before'));
    const replacedInode = fs.statSync(path.join(dir, 'catalog.sqlite')).ino;
    await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', REBUILD, dir], { timeout: 60_000 });
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

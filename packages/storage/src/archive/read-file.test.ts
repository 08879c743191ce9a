import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { Archive } from './archive.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bevara-read-file-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

it('reads a small logical file whole, of the head or a given version, and refuses one past the limit with S-026', async () => {
  const archive = await Archive.init(dir);
  try {
    const aip = await archive.createAip({ label: 'read', files: [{ path: 'a.json', source: Buffer.from('{"v":1}') }], events: [], message: 'v1', user: { name: 'test' } });
    await archive.addVersion(aip.id, { files: [{ path: 'a.json', source: Buffer.from('{"v":22}') }], events: [], message: 'v2', user: { name: 'test' } });
    expect((await archive.readFile(aip.id, 'a.json', 8)).toString()).toBe('{"v":22}');
    expect((await archive.readFile(aip.id, 'a.json', 8, 'v1')).toString()).toBe('{"v":1}');
    await expect(archive.readFile(aip.id, 'a.json', 7)).rejects.toMatchObject({ code: 'S-026' });
    await expect(archive.readFile(aip.id, 'b.json', 100)).rejects.toMatchObject({ code: 'S-001' });
  } finally {
    await archive.close();
  }
});

import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createNewFile } from './new-file.ts';

let dir: string;
beforeAll(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'bevara-new-file-')); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

it('has created the file when the stream is handed out, so a cleanup after a failed pipeline cannot miss it', async () => {
  const file = path.join(dir, 'early.part');
  const source = new PassThrough();
  const out = await createNewFile(file);
  expect(fs.existsSync(file)).toBe(true);
  source.destroy(new Error('cut off'));
  await expect(pipeline(source, out)).rejects.toThrow('cut off');
  await rm(file, { force: true });
  await new Promise((r) => setTimeout(r, 50));
  expect(fs.readdirSync(dir)).not.toContain('early.part');
});

it('writes what the pipeline carries and refuses a file that exists', async () => {
  const file = path.join(dir, 'whole');
  const source = new PassThrough();
  const done = pipeline(source, await createNewFile(file));
  source.end('bytes');
  await done;
  expect(fs.readFileSync(file, 'utf8')).toBe('bytes');
  await expect(createNewFile(file)).rejects.toMatchObject({ code: 'EEXIST' });
});

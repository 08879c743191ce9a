import { randomBytes } from 'node:crypto';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDiskFile, WHOLE_READ_BYTES } from './whole-read.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bevara-whole-read-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function drain(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('openDiskFile', () => {
  it('gives every byte of small, empty and large files', async () => {
    for (const [name, data] of [['small', randomBytes(3000)], ['empty', Buffer.alloc(0)], ['large', randomBytes(WHOLE_READ_BYTES + 10)]] as const) {
      const path = join(dir, name);
      await writeFile(path, data);
      expect((await drain(await openDiskFile(path, data.length))).equals(data), name).toBe(true);
    }
  });

  it('gives the file as it is when it changed after it was listed', async () => {
    const path = join(dir, 'grown');
    await writeFile(path, 'listed at 9');
    await appendFile(path, ' bytes, then it grew');
    expect((await drain(await openDiskFile(path, 9))).toString()).toBe('listed at 9 bytes, then it grew');
    const shrunk = join(dir, 'shrunk');
    await writeFile(shrunk, 'short');
    expect((await drain(await openDiskFile(shrunk, 100))).toString()).toBe('short');
  });

  it('fails the reader, not the opening, for a file that is gone', async () => {
    const stream = await openDiskFile(join(dir, 'missing'), 10);
    await expect(drain(stream)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

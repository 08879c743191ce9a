import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalBlobStore } from './local.ts';
import { FileReReader } from './reread.ts';
import { WriteComparer } from './compare-back.ts';
import { open } from 'node:fs/promises';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'bevara-reread-'));
  dirs.push(d);
  return d;
}
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('FileReReader', () => {
  it('follows a file as it is written and gives back its size and digest', async () => {
    const file = path.join(tempDir(), 'f');
    const fd = fs.openSync(file, 'w');
    const reader = new FileReReader(file);
    const parts = Array.from({ length: 5 }, () => randomBytes(700_000));
    let written = 0;
    for (const part of parts) {
      fs.writeSync(fd, part);
      written += part.length;
      reader.advance(written);
      await new Promise((r) => setTimeout(r, 5));
    }
    fs.closeSync(fd);
    expect(await reader.finish(written)).toEqual({ size: written, sha256: sha(Buffer.concat(parts)) });
  });

  it('a byte changed on disk after it was written, or bytes beyond what was written, show in the result', async () => {
    const file = path.join(tempDir(), 'f');
    const bytes = randomBytes(3_000_000);
    fs.writeFileSync(file, bytes);
    const reader = new FileReReader(file);
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.from([bytes[10]! ^ 1]), 0, 1, 10);
    fs.closeSync(fd);
    const back = await reader.finish(bytes.length);
    expect(back.size).toBe(bytes.length);
    expect(back.sha256).not.toBe(sha(bytes));

    fs.appendFileSync(file, 'tail');
    const longer = await new FileReReader(file).finish(bytes.length);
    expect(longer.size).toBe(bytes.length + 4);
  });
});

describe('WriteComparer', () => {
  it('finds the chunks as written, a byte changed on disk, and bytes beyond what was written', async () => {
    const file = path.join(tempDir(), 'f');
    const parts = [randomBytes(300_000), randomBytes(300_000), randomBytes(1000)];
    const write = async (change?: { at: number }, flags = 'w+') => {
      const handle = await open(file, flags);
      const comparer = new WriteComparer(handle);
      let position = 0;
      for (const part of parts) {
        await handle.write(part, 0, part.length, position);
        if (change && change.at >= position && change.at < position + part.length) {
          const fd = fs.openSync(file, 'r+');
          fs.writeSync(fd, Buffer.from([part[change.at - position]! ^ 1]), 0, 1, change.at);
          fs.closeSync(fd);
        }
        comparer.wrote(part, position);
        position += part.length;
      }
      const result = comparer.finish();
      await handle.close();
      return result;
    };
    expect(await write()).toEqual({ size: 601_000, same: true });
    expect(await write({ at: 300_123 })).toEqual({ size: 601_000, same: false });
    fs.rmSync(file);
    fs.writeFileSync(file, Buffer.alloc(700_000));
    expect(await write(undefined, 'r+')).toEqual({ size: 700_000, same: true });
  });
});

describe('LocalBlobStore.put with readBack', () => {
  it('compares bytes it hashed as it reads them back, large or small, and says so', async () => {
    const root = tempDir();
    const store = new LocalBlobStore({ name: 'local', root });
    const big = Buffer.alloc(65 * 1024 * 1024, 'x');
    const result = await store.put('o/big', big, { readBack: true });
    expect(result).toEqual({ size: big.length, sha256: sha(big), reread: true });
    expect(await store.put('o/small', Buffer.from('small'), { readBack: true })).toEqual({ size: 5, sha256: sha(Buffer.from('small')), reread: true });
    expect(await store.put('o/unread', Buffer.from('small'))).toEqual({ size: 5, sha256: sha(Buffer.from('small')) });
    expect(await store.digest('o/big')).toEqual({ size: big.length, sha256: sha(big) });
  });
});

describe('LocalBlobStore.put with a claimed digest', () => {
  it('records the claim, checked by the read-back: a large file whose claim is wrong is not put', async () => {
    const root = tempDir();
    const store = new LocalBlobStore({ name: 'local', root });
    const big = Buffer.alloc(65 * 1024 * 1024, 'y');
    const right = { size: big.length, sha256: sha(big) };
    expect(await store.put('o/big', big, { readBack: true, claimed: () => right })).toEqual({ ...right, reread: true });
    const wrong = { size: big.length, sha256: sha(Buffer.from('other')) };
    await expect(store.put('o/big2', big, { readBack: true, claimed: () => wrong })).rejects.toMatchObject({ code: 'S-002' });
    expect(await store.stat('o/big2')).toBeNull();
  });

  it('a claim of another size fails at once; without readBack the claim is not used', async () => {
    const root = tempDir();
    const store = new LocalBlobStore({ name: 'local', root });
    const bytes = Buffer.from('small file');
    await expect(store.put('o/a', bytes, { readBack: true, claimed: () => ({ size: 3, sha256: sha(bytes) }) })).rejects.toMatchObject({ code: 'S-002' });
    expect(await store.stat('o/a')).toBeNull();
    const lie = { size: bytes.length, sha256: 'a'.repeat(64) };
    expect(await store.put('o/b', bytes, { claimed: () => lie })).toEqual({ size: bytes.length, sha256: sha(bytes) });
  });
});

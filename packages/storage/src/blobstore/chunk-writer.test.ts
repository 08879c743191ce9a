import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChunkWriter } from './chunk-writer.ts';
import { LocalBlobStore } from './local.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'bevara-chunk-writer-'));
  dirs.push(d);
  return d;
}
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Whether the file system under `dir` opens files with O_DIRECT (ext4 and tmpfs do; some others refuse it). */
function opensDirect(dir: string): boolean {
  const probe = path.join(dir, 'probe');
  try {
    fs.closeSync(fs.openSync(probe, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_DIRECT));
    return true;
  } catch {
    return false;
  } finally {
    fs.rmSync(probe, { force: true });
  }
}
const openDescriptors = (): number => fs.readdirSync('/proc/self/fd').length;

describe.each([
  { mode: 'around the page cache where it can', direct: true },
  { mode: 'through the page cache', direct: false },
])('ChunkWriter, $mode', ({ direct }) => {
  it('writes chunks of any size from any position, more than its slots at once, and finds them as written', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'f');
    const fd = fs.openSync(file, 'wx+');
    // the first bytes as a caller writes them before it hands the rest over: the writer starts inside a page
    const head = randomBytes(5_000);
    fs.writeSync(fd, head, 0, head.length, 0);
    const descriptors = openDescriptors();
    const writer = new ChunkWriter(fd, file, { compare: true, direct });
    expect(writer.direct).toBe(direct && opensDirect(dir));
    // odd sizes: pages and slots (8 MiB, three of them) end inside chunks; one chunk spans two slots
    const parts = [randomBytes(1), randomBytes(700_001), randomBytes(9_000_000), ...Array.from({ length: 20 }, () => randomBytes(1_048_576)), randomBytes(17)];
    let position = head.length;
    for (const part of parts) {
      await writer.write(part, position);
      position += part.length;
    }
    expect(await writer.finish()).toEqual({ same: true });
    // the descriptor of its own is closed again
    expect(openDescriptors()).toBe(descriptors);
    fs.closeSync(fd);
    expect(sha(fs.readFileSync(file))).toBe(sha(Buffer.concat([head, ...parts])));
  });

  it('a chunk that does not read back as written makes the result differ', async () => {
    const file = path.join(tempDir(), 'f');
    fs.writeFileSync(file, Buffer.alloc(100_000, 1));
    // opened for appending, a write through this descriptor lands at the end whatever its position: the bytes at the
    // position stay the old ones (around the page cache, those of the last partial page)
    const fd = fs.openSync(file, 'a+');
    const writer = new ChunkWriter(fd, file, { compare: true, direct });
    await writer.write(Buffer.alloc(50_000, 2), 0);
    expect(await writer.finish()).toEqual({ same: false });
    fs.closeSync(fd);
    expect(fs.statSync(file).size).toBe(writer.direct ? 100_000 + (50_000 % 4096) : 150_000);
  });

  it('a write the file system refuses fails the write or finish() with its errno code', async () => {
    const file = path.join(tempDir(), 'f');
    fs.writeFileSync(file, '');
    const fd = fs.openSync(file, 'r');
    // the descriptor given is read-only: what goes through it fails, around the page cache the partial first page
    const writer = new ChunkWriter(fd, file, { compare: false, direct });
    const outcome = (async () => {
      for (let i = 0; i < 6; i++) await writer.write(Buffer.alloc(1_048_576), i * 1_048_576 + 1);
      await writer.finish();
    })();
    await expect(outcome).rejects.toMatchObject({ code: 'EBADF' });
    await writer.cancel();
    fs.closeSync(fd);
  });

  it('any start and length, across page and slot boundaries, lands exactly', async () => {
    const SLOT = 8 * 1024 * 1024;
    for (const start of [0, 1, 4095, 5000]) {
      for (const length of [1, 4097, SLOT + 1, 2 * SLOT + 333]) {
        const dir = tempDir();
        const file = path.join(dir, 'f');
        const fd = fs.openSync(file, 'wx+');
        const head = randomBytes(start);
        fs.writeSync(fd, head, 0, start, 0);
        const writer = new ChunkWriter(fd, file, { compare: true, direct });
        const body = randomBytes(length);
        // three uneven chunks
        const cuts = [0, Math.floor(length / 3), Math.floor((2 * length) / 3) + 1, length].map((c) => Math.min(c, length));
        for (let i = 0; i < 3; i++) await writer.write(body.subarray(cuts[i], cuts[i + 1]), start + cuts[i]!);
        expect(await writer.finish(), `start ${start}, length ${length}`).toEqual({ same: true });
        fs.closeSync(fd);
        expect(fs.readFileSync(file).equals(Buffer.concat([head, body])), `start ${start}, length ${length}`).toBe(true);
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  it('a writer stopped with slots in flight changes its file no more once stopped, and the next writer reuses its slots', async () => {
    const dir = tempDir();
    const first = path.join(dir, 'first');
    const fdA = fs.openSync(first, 'wx+');
    const a = new ChunkWriter(fdA, first, { compare: true, direct });
    for (let i = 0; i < 3; i++) await a.write(Buffer.alloc(8 * 1024 * 1024, 0xaa), i * 8 * 1024 * 1024);
    await a.cancel();
    const stopped = fs.readFileSync(first);
    const second = path.join(dir, 'second');
    const fdB = fs.openSync(second, 'wx+');
    const b = new ChunkWriter(fdB, second, { compare: true, direct });
    const bytes = Buffer.alloc(20 * 1024 * 1024, 0xbb);
    await b.write(bytes, 0);
    expect(await b.finish()).toEqual({ same: true });
    fs.closeSync(fdB);
    expect(fs.readFileSync(second).equals(bytes)).toBe(true);
    expect(fs.readFileSync(first).equals(stopped)).toBe(true);
    expect(stopped.includes(0xbb)).toBe(false);
    fs.closeSync(fdA);
  });

  it('chunks must follow each other', async () => {
    const file = path.join(tempDir(), 'f');
    const fd = fs.openSync(file, 'wx+');
    const writer = new ChunkWriter(fd, file, { compare: true, direct });
    await writer.write(Buffer.alloc(10), 0);
    await expect(writer.write(Buffer.alloc(10), 20)).rejects.toThrow(/does not follow/);
    await writer.cancel();
    fs.closeSync(fd);
  });
});

describe('ChunkWriter without page-aligned memory', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.resetModules();
  });

  it('writes through the page cache, right, and leaves no descriptor open', async () => {
    // a process whose address space is limited (ulimit -v) cannot have a WebAssembly memory: V8 reserves gigabytes
    vi.spyOn((globalThis as unknown as { WebAssembly: { Memory: new () => object } }).WebAssembly, 'Memory').mockImplementation(() => {
      throw new RangeError('WebAssembly.Memory(): could not allocate memory');
    });
    vi.resetModules();
    // a fresh module: its pool holds no memory an earlier writer left
    const { ChunkWriter: Fresh } = await import('./chunk-writer.ts');
    const file = path.join(tempDir(), 'f');
    const fd = fs.openSync(file, 'wx+');
    const descriptors = openDescriptors();
    const writer = new Fresh(fd, file, { compare: true, direct: true });
    expect(writer.direct).toBe(false);
    const bytes = randomBytes(9_000_000);
    await writer.write(bytes, 0);
    expect(await writer.finish()).toEqual({ same: true });
    expect(openDescriptors()).toBe(descriptors);
    fs.closeSync(fd);
    expect(fs.readFileSync(file).equals(bytes)).toBe(true);
  });
});

describe('LocalBlobStore.put of a large stream', () => {
  const MiB = 1024 * 1024;
  function chunks(count: number, fail?: Error): Readable {
    let i = 0;
    return new Readable({
      read() {
        if (i === count) return void this.push(null);
        if (fail && i === count - 1) return void this.destroy(fail);
        this.push(Buffer.alloc(MiB, i++ % 251));
      },
    });
  }

  it('goes on from the writing worker past 64 MiB: the object, its digest and the read-back are right', async () => {
    const store = new LocalBlobStore({ name: 'local', root: tempDir() });
    const expected = createHash('sha256');
    for (let i = 0; i < 70; i++) expected.update(Buffer.alloc(MiB, i % 251));
    const result = await store.put('o/large', chunks(70), { readBack: true });
    expect(result).toEqual({ size: 70 * MiB, sha256: expected.digest('hex'), reread: true });
    expect(await store.digest('o/large')).toEqual({ size: 70 * MiB, sha256: result.sha256 });
  });

  it('a source that fails past 64 MiB leaves nothing behind', async () => {
    const root = tempDir();
    const store = new LocalBlobStore({ name: 'local', root });
    await expect(store.put('o/broken', chunks(70, new Error('source broke')), { readBack: true })).rejects.toThrow(/source broke/);
    expect(await store.stat('o/broken')).toBeNull();
    expect(fs.readdirSync(path.join(root, 'o'))).toEqual([]);
  });
});

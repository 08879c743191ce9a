/**
 * The one behaviour every BlobStore must show, run by each backend's test file against a real
 * store (a temp folder, a real S3 server). Code above the BlobStore interface relies on exactly
 * this, so a backend that passes can replace another.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isBevaraError } from '../errors.ts';
import type { BlobStore } from '../blobstore/store.ts';

export interface ContractOptions {
  /**
   * Most the store may hold in memory while moving the 20 MB object (default 12 MiB): below
   * the object's size, so a store that buffers whole objects fails.
   */
  memoryBudget?: number;
  /** Size of the streamed object in the bounded-memory test; keep it well above memoryBudget. */
  bigObjectBytes?: number;
}

export function blobStoreContract(name: string, makeStore: () => Promise<BlobStore>, options: ContractOptions = {}): void {
  describe(`BlobStore contract: ${name}`, () => {
    let store: BlobStore;
    beforeEach(async () => {
      store = await makeStore();
    });
    afterEach(async () => {
      await store.close();
    });

    it('gives back what was put, with its size and SHA-256', async () => {
      const data = randomBytes(100_000);
      const result = await store.put('objects/a/file.bin', data);
      expect(result).toEqual({ size: data.length, sha256: sha256(data) });
      expect((await readAll(await store.get('objects/a/file.bin'))).equals(data)).toBe(true);
    });

    it('takes a stream as well as a Buffer', async () => {
      const parts = [Buffer.from('first '), Buffer.from('second '), Buffer.from('third')];
      const result = await store.put('stream.txt', Readable.from(parts));
      expect(result).toEqual({ size: 18, sha256: sha256(Buffer.from('first second third')) });
      expect((await readAll(await store.get('stream.txt'))).toString()).toBe('first second third');
    });

    it('makes deferred puts visible at once and durable by flush, also when some were deleted since', async () => {
      const many = Array.from({ length: 40 }, (_, i) => `deferred/v1/content/f${i}.bin`);
      for (const key of many) await store.put(key, Buffer.from(key), { durability: 'deferred' });
      await store.put('deferred/single.bin', Buffer.from('one'), { durability: 'deferred' });
      expect((await readAll(await store.get(many[7]!))).toString()).toBe(many[7]);
      await store.delete(many[3]!);
      await store.flush();
      await store.flush();
      expect([...(await collect(store.list('deferred/')))].length).toBe(many.length);
      await store.put('deferred/few.bin', Buffer.from('few'), { durability: 'deferred' });
      await store.delete('deferred/few.bin');
      await store.flush();
    });

    it('digest re-reads an object: small, empty and larger than one read', async () => {
      for (const [key, data] of [['d/small', randomBytes(1000)], ['d/empty', Buffer.alloc(0)], ['d/large', randomBytes(3 * 1024 * 1024 + 17)]] as const) {
        await store.put(key, data);
        expect(await store.digest(key)).toEqual({ size: data.length, sha256: sha256(data) });
      }
      await expectCode(store.digest('d/absent'), 'S-001');
    });

    it('stores an empty object', async () => {
      expect(await store.put('empty', Buffer.alloc(0))).toEqual({ size: 0, sha256: sha256(Buffer.alloc(0)) });
      expect((await readAll(await store.get('empty'))).length).toBe(0);
      expect((await store.stat('empty'))?.size).toBe(0);
      expect([...(await collect(store.list('')))]).toEqual(['empty']);
    });

    it('replaces an object whole: a reader sees the old bytes or the new, never a mix', async () => {
      const before = Buffer.alloc(1_000_000, 'a');
      const after = Buffer.alloc(1_000_000, 'b');
      await store.put('k', before);
      const reading = await store.get('k');
      await store.put('k', after);
      const seen = await readAll(reading);
      expect(seen.equals(before) || seen.equals(after)).toBe(true);
      expect((await readAll(await store.get('k'))).equals(after)).toBe(true);
      expect(await collect(store.list(''))).toEqual(['k']);
    });

    it('stat gives size and time, or null when absent', async () => {
      const t0 = Date.now();
      await store.put('dir/s.txt', Buffer.from('12345'));
      const info = await store.stat('dir/s.txt');
      expect(info?.size).toBe(5);
      expect(info?.modified).toBeInstanceOf(Date);
      // S3 keeps whole seconds; allow for that and for a small clock skew
      expect(Math.abs((info?.modified.getTime() ?? 0) - t0)).toBeLessThan(60_000);
      expect(await store.stat('dir/absent.txt')).toBeNull();
      expect(await store.stat('dir')).toBeNull();
    });

    it('lists recursively in UTF-8 byte order, by prefix', async () => {
      const keys = ['b', 'a/b/d/e', 'a-b', 'a/ä.txt', 'a/b.txt', 'a/b/c.txt', 'a/z', 'a/\u{1F600}.txt', 'a/\uFB01.txt'];
      for (const key of keys) await store.put(key, Buffer.from(key));
      const byBytes = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
      expect(await collect(store.list(''))).toEqual(byBytes);
      expect(await collect(store.list('a/'))).toEqual(byBytes.filter((k) => k.startsWith('a/')));
      expect(await collect(store.list('a/b'))).toEqual(['a/b.txt', 'a/b/c.txt', 'a/b/d/e']);
      expect(await collect(store.list('a/b/'))).toEqual(['a/b/c.txt', 'a/b/d/e']);
      expect(await collect(store.list('nothing/'))).toEqual([]);
    });

    it('deletes, and deleting an absent object is no error', async () => {
      await store.put('d/x', Buffer.from('x'));
      await store.put('d/y', Buffer.from('y'));
      await store.delete('d/x');
      await store.delete('d/x');
      await store.delete('never/was');
      expect(await store.stat('d/x')).toBeNull();
      expect(await collect(store.list(''))).toEqual(['d/y']);
      await expectCode(store.get('d/x'), 'S-001');
    });

    it('reads inclusive byte ranges', async () => {
      await store.put('r', Buffer.from('0123456789'));
      expect((await readAll(await store.get('r', { start: 2, end: 5 }))).toString()).toBe('2345');
      expect((await readAll(await store.get('r', { start: 0, end: 0 }))).toString()).toBe('0');
      expect((await readAll(await store.get('r', { start: 9, end: 9 }))).toString()).toBe('9');
      // an end past the object means "to the end", as in HTTP
      expect((await readAll(await store.get('r', { start: 7, end: 100 }))).toString()).toBe('789');
    });

    it('refuses ranges outside the object with S-022', async () => {
      await store.put('r', Buffer.from('0123456789'));
      await store.put('e', Buffer.alloc(0));
      await expectCode(store.get('r', { start: 10, end: 12 }), 'S-022');
      await expectCode(store.get('r', { start: 5, end: 4 }), 'S-022');
      await expectCode(store.get('r', { start: -1, end: 4 }), 'S-022');
      await expectCode(store.get('r', { start: 1.5, end: 4 }), 'S-022');
      await expectCode(store.get('e', { start: 0, end: 0 }), 'S-022');
    });

    it('gives S-001 for a missing object', async () => {
      await expectCode(store.get('no/such/key'), 'S-001');
      await expectCode(store.get('no/such/key', { start: 0, end: 1 }), 'S-001');
    });

    it('reads a small object whole where the store can (readSmall): S-001 when absent, S-026 past the limit', async () => {
      if (!store.readSmall) return;
      const data = randomBytes(70_000);
      await store.put('small/doc.bin', data);
      await store.put('small/empty.bin', Buffer.alloc(0));
      // larger than one read of some backends (local disk reads up to 1 MiB at once on the event loop)
      const larger = randomBytes(1_500_000);
      await store.put('small/larger.bin', larger);
      expect((await store.readSmall('small/doc.bin', data.length)).equals(data)).toBe(true);
      expect((await store.readSmall('small/larger.bin', larger.length)).equals(larger)).toBe(true);
      await expectCode(store.readSmall('small/larger.bin', larger.length - 1), 'S-026');
      expect((await store.readSmall('small/empty.bin', 0)).length).toBe(0);
      await expectCode(store.readSmall('small/doc.bin', data.length - 1), 'S-026');
      await expectCode(store.readSmall('small/none.bin', 100), 'S-001');
      // a key that names a folder of objects is no object
      await expectCode(store.readSmall('small', 100), 'S-001');
      // a replaced object is read as the new one
      await store.put('small/doc.bin', Buffer.from('replaced'));
      expect((await store.readSmall('small/doc.bin', 100)).toString()).toBe('replaced');
    });

    it('refuses bad keys with S-017 and writes nothing', async () => {
      const bad = ['', '/abs', 'a/../b', '..', './a', 'a/.', 'a//b', 'a/', 'a\\b', 'a\0b', 'a\nb', '.tmp-x', 'a/.tmp-y', '\uD800x', 'x'.repeat(1025)];
      for (const key of bad) {
        await expectCode(store.put(key, Buffer.from('x')), 'S-017', key);
        await expectCode(store.get(key), 'S-017', key);
        await expectCode(store.stat(key), 'S-017', key);
        if (store.readSmall) await expectCode(store.readSmall(key, 10), 'S-017', key);
        await expectCode(store.delete(key), 'S-017', key);
      }
      for (const prefix of ['../', '/', 'a//', 'a\\']) await expectCode(collect(store.list(prefix)), 'S-017', prefix);
      expect(await collect(store.list(''))).toEqual([]);
    });

    it('keeps unicode keys exactly (å ä ö)', async () => {
      const key = 'arkiv/Ärende Östra/protokoll å ä ö.pdf';
      await store.put(key, Buffer.from('åäö'));
      expect((await readAll(await store.get(key))).toString()).toBe('åäö');
      expect(await collect(store.list('arkiv/Ä'))).toEqual([key]);
      // the decomposed spelling is another key: nothing normalises behind our back
      expect(await store.stat(key.normalize('NFD'))).toBeNull();
    });

    it('leaves nothing when the digest differs from the expected one (S-002)', async () => {
      const data = Buffer.from('the real content');
      await expectCode(store.put('x/v', data, { expected: { sha256: sha256(Buffer.from('other')) } }), 'S-002');
      expect(await store.stat('x/v')).toBeNull();
      expect(await collect(store.list(''))).toEqual([]);
      // an expected value in capitals is the same digest
      expect((await store.put('x/v', data, { expected: { sha256: sha256(data).toUpperCase(), size: data.length } })).size).toBe(16);
    });

    it('leaves nothing when the size differs from the expected one (S-020)', async () => {
      await expectCode(store.put('x/small', Buffer.from('12345'), { expected: { size: 6 } }), 'S-020');
      await expectCode(store.put('x/large', Buffer.from('1234567'), { expected: { size: 6 } }), 'S-020');
      expect(await collect(store.list(''))).toEqual([]);
    });

    it('keeps the old object when a replacement fails its check', async () => {
      await store.put('keep', Buffer.from('old'));
      await expectCode(store.put('keep', Buffer.from('new'), { expected: { sha256: '0'.repeat(64) } }), 'S-002');
      expect((await readAll(await store.get('keep'))).toString()).toBe('old');
    });

    it('leaves nothing when the source stream fails half-way', async () => {
      const failing = Readable.from(
        (async function* () {
          yield randomBytes(64 * 1024);
          throw new Error('source broke');
        })(),
      );
      await expect(store.put('broken', failing)).rejects.toThrow('source broke');
      expect(await store.stat('broken')).toBeNull();
      expect(await collect(store.list(''))).toEqual([]);
    });

    it('writes many objects into one new folder at once', async () => {
      const keys = Array.from({ length: 20 }, (_, i) => `par/${String(i).padStart(2, '0')}`);
      await Promise.all(keys.map((key) => store.put(key, Buffer.from(key))));
      expect(await collect(store.list('par/'))).toEqual(keys);
    });

    it('streams a large object both ways in memory bounded well below its size', async () => {
      const size = options.bigObjectBytes ?? 64 * 1024 * 1024;
      const budget = options.memoryBudget ?? 24 * 1024 * 1024;
      const expected = createHash('sha256');
      const memory = new MemoryWatch();
      const result = await memory.during(() => store.put('big/object.bin', generated(size, expected), { size }));
      expect(result).toEqual({ size, sha256: expected.digest('hex') });
      expect(memory.peakGrowth).toBeLessThan(budget);

      const back = new MemoryWatch();
      const readBack = await back.during(async () => {
        const hash = createHash('sha256');
        let bytes = 0;
        for await (const chunk of await store.get('big/object.bin')) {
          hash.update(chunk as Buffer);
          bytes += (chunk as Buffer).length;
        }
        return { size: bytes, sha256: hash.digest('hex') };
      });
      expect(readBack).toEqual(result);
      expect(back.peakGrowth).toBeLessThan(budget);
    });
  });
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function readAll(stream: Readable): Promise<Buffer> {
  // test helper over small objects only; the big-object test hashes chunk by chunk instead
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function collect(keys: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const key of keys) out.push(key);
  return out;
}

/** Asserts that `work` fails with a BevaraError of `code`. */
export async function expectCode(work: Promise<unknown>, code: string, context = ''): Promise<void> {
  let error: unknown;
  try {
    await work;
  } catch (e) {
    error = e;
  }
  expect(isBevaraError(error) ? error.code : error, `expected ${code} ${JSON.stringify(context.slice(0, 40))}`).toBe(code);
}

/** `size` pseudo-random bytes in 64 KiB chunks, made as they are read, hashed into `hash`. */
function generated(size: number, hash: ReturnType<typeof createHash>): Readable {
  let left = size;
  return new Readable({
    read() {
      if (left === 0) {
        this.push(null);
        return;
      }
      const chunk = randomBytes(Math.min(64 * 1024, left));
      left -= chunk.length;
      hash.update(chunk);
      this.push(chunk);
    },
  });
}

/**
 * Samples live memory (JS heap + Buffers) while a task runs, collecting garbage before each
 * sample so that only what the store really holds counts.
 */
class MemoryWatch {
  peakGrowth = 0;
  static #gc: (() => void) | undefined;

  async during<T>(task: () => Promise<T>): Promise<T> {
    const gc = MemoryWatch.#collector();
    const live = (): number => {
      gc();
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    const base = live();
    const timer = setInterval(() => {
      this.peakGrowth = Math.max(this.peakGrowth, live() - base);
    }, 100);
    try {
      return await task();
    } finally {
      clearInterval(timer);
    }
  }

  static #collector(): () => void {
    if (!MemoryWatch.#gc) {
      setFlagsFromString('--expose-gc');
      MemoryWatch.#gc = runInNewContext('gc') as () => void;
    }
    return MemoryWatch.#gc;
  }
}

import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { readAhead } from './read.ts';

async function* numbers(n: number): AsyncIterable<number> {
  for (let i = 0; i < n; i++) yield i;
}

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
}

describe('readAhead', () => {
  it('yields in the source order while reads finish out of order, with at most `limit` in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const read = async (i: number): Promise<string> => {
      most = Math.max(most, ++inFlight);
      await sleep((7 - (i % 7)) * 2); // later items finish first
      inFlight--;
      return `r${i}`;
    };
    expect(await collect(readAhead(numbers(30), 4, read))).toEqual(Array.from({ length: 30 }, (_, i) => `r${i}`));
    expect(most).toBe(4);
  });

  it('a failed read surfaces at its place, after the results before it; reads left behind raise nothing', async () => {
    const seen: number[] = [];
    const read = async (i: number): Promise<number> => {
      await sleep(i === 3 ? 1 : 10);
      if (i === 3 || i === 5) throw new Error(`read ${i} failed`);
      return i;
    };
    await expect(
      (async () => {
        for await (const i of readAhead(numbers(10), 4, read)) seen.push(i);
      })(),
    ).rejects.toThrow('read 3 failed');
    expect(seen).toEqual([0, 1, 2]);
    // read 5, started ahead and never awaited, fails after the consumer stopped: no unhandled rejection
    await sleep(30);
  });
});

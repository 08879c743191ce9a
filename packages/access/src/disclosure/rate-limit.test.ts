import { describe, expect, it } from 'vitest';
import { RateLimit } from './rate-limit.ts';

describe('RateLimit', () => {
  it('allows the limit per window and address, then says how long to wait; a new window starts afresh', () => {
    let t = 1_000_000;
    const limit = new RateLimit(3, 60_000, () => t);
    expect([limit.take('a'), limit.take('a'), limit.take('a')]).toEqual([0, 0, 0]);
    expect(limit.take('a')).toBe(60);
    expect(limit.take('b')).toBe(0);
    t += 30_000;
    expect(limit.take('a')).toBe(30);
    t += 30_000;
    expect(limit.take('a')).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { isBevaraError } from '@bevara/storage';
import { buildEntryTable, type RawEntry } from './index-builder.ts';
import { DEFAULT_LIMITS } from './types.ts';

const file = (path: string, size = 1): RawEntry => ({ path, type: 'file', size });
const dir = (path: string): RawEntry => ({ path, type: 'directory', size: 0 });

describe('buildEntryTable', () => {
  it('adds every folder a path implies, whether or not the archive lists folders, and strips the single root', () => {
    const raw = [dir('pkg/a/b'), file('pkg/a/b/c/d.txt'), file('pkg/a/x.txt'), file('pkg/e/f/g/h.txt'), dir('pkg/e/f')];
    const t = buildEntryTable(raw, 'fallback', DEFAULT_LIMITS, true);
    expect(t.rootName).toBe('pkg');
    expect(t.entries.filter((e) => e.type === 'directory').map((e) => e.path)).toEqual(['a', 'a/b', 'a/b/c', 'e', 'e/f', 'e/f/g']);
    expect(t.entries.filter((e) => e.type === 'file').map((e) => e.path)).toEqual(['a/b/c/d.txt', 'a/x.txt', 'e/f/g/h.txt']);
  });

  it('refuses a path that is both a file and a folder, in either order', () => {
    for (const raw of [[file('pkg/a/b'), file('pkg/a/b/c.txt')], [file('pkg/a/b/c.txt'), file('pkg/a/b')], [file('pkg/a/b/c/d.txt'), file('pkg/a/b')]]) {
      let err: unknown;
      try { buildEntryTable(raw, 'x', DEFAULT_LIMITS, true); } catch (e) { err = e; }
      expect(isBevaraError(err, 'I-006'), raw.map((e) => e.path).join(', ')).toBe(true);
      expect((err as { detail: Record<string, unknown> }).detail['path']).toBe('pkg/a/b');
    }
  });
});

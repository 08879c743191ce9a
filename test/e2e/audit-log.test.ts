/**
 * `bevara log verify` on a real archive's audit log: exit 0 when intact, exit 1 naming the entry when
 * an entry file is edited, removed, inserted or reordered (each on its own copy of the archive).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Archive } from '@bevara/storage';
import { bevaraIn, jsonLines } from '../support/cli.ts';
import { createSampleAip, sampleFiles, tempDir } from './support/archive.ts';

interface LogResult { ok: boolean; entries: number; lastSeq: number; problems: { seq: number; kind: string; message: string }[] }

const ENTRIES = 'store/extensions/bevara-audit-log/entries';
const entryFile = (archiveDir: string, seq: number): string => path.join(archiveDir, ENTRIES, `${String(seq).padStart(12, '0')}.json`);

describe('bevara log verify', () => {
  let dir: string;
  let pristine: string;
  let copies = 0;

  /** A fresh copy of the pristine archive, damaged by `damage`. */
  const damaged = (damage: (archiveDir: string) => void): string => {
    const copy = path.join(dir, `copy-${++copies}`);
    fs.cpSync(pristine, copy, { recursive: true });
    damage(copy);
    return copy;
  };
  const logVerify = async (archiveDir: string): Promise<{ code: number; result: LogResult }> => {
    const r = await bevaraIn(archiveDir, ['log', 'verify', '--json']);
    return { code: r.code, result: jsonLines<LogResult>(r.stdout)[0]! };
  };

  beforeAll(async () => {
    dir = tempDir('log');
    pristine = path.join(dir, 'pristine');
    const archive = await Archive.init(pristine);
    try {
      for (const seed of ['a', 'b', 'c', 'd']) await createSampleAip(archive, seed, sampleFiles(seed, 1, 64));
    } finally {
      await archive.close();
    }
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('exits 0 on an intact log of archive.created, keys.created and four aip.created entries', async () => {
    const { code, result } = await logVerify(pristine);
    expect(code).toBe(0);
    expect(result).toMatchObject({ ok: true, entries: 6, lastSeq: 6, problems: [] });
  });

  it('exits 1 naming an edited entry', async () => {
    const archiveDir = damaged((d) => {
      const f = entryFile(d, 3);
      fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace('"aip.created"', '"aip.versioned"'));
    });
    const { code, result } = await logVerify(archiveDir);
    expect(code).toBe(1);
    expect(result.ok).toBe(false);
    expect(result.problems).toContainEqual(expect.objectContaining({ seq: 3, kind: 'edited' }));
  });

  it('exits 1 naming a removed entry', async () => {
    const archiveDir = damaged((d) => fs.rmSync(entryFile(d, 4)));
    const { code, result } = await logVerify(archiveDir);
    expect(code).toBe(1);
    expect(result.problems).toContainEqual(expect.objectContaining({ seq: 4, kind: 'removed' }));
  });

  it('exits 1 naming an inserted entry (a forged entry 4 that links correctly to entry 3, later files renumbered)', async () => {
    const archiveDir = damaged((d) => {
      for (let seq = 6; seq >= 4; seq--) fs.renameSync(entryFile(d, seq), entryFile(d, seq + 1));
      const prev = createHash('sha256').update(fs.readFileSync(entryFile(d, 3))).digest('hex');
      const forged = { seq: 4, time: '2026-01-01T00:00:00.000Z', type: 'aip.created', subject: 'urn:uuid:forged', prev };
      fs.writeFileSync(entryFile(d, 4), JSON.stringify(forged) + '\n');
    });
    const { code, result } = await logVerify(archiveDir);
    expect(code).toBe(1);
    expect(result.problems).toContainEqual(expect.objectContaining({ seq: 4, kind: 'inserted' }));
  });

  it('exits 1 naming reordered entries (the files of entries 3 and 4 swapped)', async () => {
    const archiveDir = damaged((d) => {
      const a = fs.readFileSync(entryFile(d, 3));
      fs.writeFileSync(entryFile(d, 3), fs.readFileSync(entryFile(d, 4)));
      fs.writeFileSync(entryFile(d, 4), a);
    });
    const { code, result } = await logVerify(archiveDir);
    expect(code).toBe(1);
    expect(result.problems.map((p) => p.kind)).toContain('reordered');
    expect(result.problems.every((p) => p.seq === 3 || p.seq === 4)).toBe(true);
  });

  it('names the entry in the plain-text report too', async () => {
    const archiveDir = damaged((d) => fs.rmSync(entryFile(d, 5)));
    const r = await bevaraIn(archiveDir, ['log', 'verify']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^entry 5: removed: /m);
    expect(r.stdout).toMatch(/audit log BROKEN/);
  });
});

/**
 * The catalog is a cache: `bevara catalog rebuild` recreates it from the store alone, and the rebuilt
 * catalog answers `list --json` and `show --json` of every AIP byte for byte as the original did.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Archive } from '@bevara/storage';
import { bevaraIn, jsonLines } from '../support/cli.ts';
import { addSampleVersion, createSampleAip, sampleFiles, tempDir } from './support/archive.ts';

describe('bevara catalog rebuild', () => {
  let dir: string;
  let archiveDir: string;
  let ids: string[];
  let original: Awaited<ReturnType<typeof answers>>;

  /** Every answer the catalog gives through the CLI, as sorted output lines. */
  async function answers(): Promise<{ list: string[]; show: Record<string, string> }> {
    const list = await bevaraIn(archiveDir, ['list', '--json']);
    expect(list.code, list.stderr).toBe(0);
    const shown = await Promise.all(ids.map((id) => bevaraIn(archiveDir, ['show', id, '--json'])));
    const show: Record<string, string> = {};
    for (const [i, r] of shown.entries()) {
      expect(r.code, r.stderr).toBe(0);
      show[ids[i]!] = r.stdout;
    }
    return { list: list.stdout.split('\n').filter(Boolean).sort(), show };
  }

  beforeAll(async () => {
    dir = tempDir('catalog');
    archiveDir = path.join(dir, 'archive');
    const archive = await Archive.init(archiveDir);
    try {
      const a = await createSampleAip(archive, 'first', sampleFiles('first', 3));
      const b = await createSampleAip(archive, 'second', sampleFiles('second', 2));
      await addSampleVersion(archive, a.id, sampleFiles('first-v2', 2), [sampleFiles('first', 3)[0]!.path]);
      await addSampleVersion(archive, a.id, sampleFiles('first-v3', 1));
      const c = await createSampleAip(archive, 'third', sampleFiles('third', 1, 10));
      ids = [a.id, b.id, c.id];
    } finally {
      await archive.close();
    }
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('recreates the catalog after catalog.sqlite (and -wal, -shm) are deleted; every answer is the same', async () => {
    const before = (original = await answers());
    expect(before.list).toHaveLength(3);
    const first = JSON.parse(before.show[ids[0]!]!) as { head: string; versions: unknown[]; events: unknown[]; files: unknown[] };
    expect(first.head).toBe('v3');
    expect(first.versions).toHaveLength(3);
    expect(first.events.length).toBeGreaterThanOrEqual(3);

    for (const f of ['catalog.sqlite', 'catalog.sqlite-wal', 'catalog.sqlite-shm']) fs.rmSync(path.join(archiveDir, f), { force: true });
    const rebuild = await bevaraIn(archiveDir, ['catalog', 'rebuild', '--json']);
    expect(rebuild.code, rebuild.stderr).toBe(0);
    expect(jsonLines(rebuild.stdout)).toEqual([{ aips: 3 }]);
    expect(fs.existsSync(path.join(archiveDir, 'catalog.sqlite'))).toBe(true);

    const after = await answers();
    expect(after.list).toEqual(before.list);
    for (const id of ids) expect(after.show[id], id).toBe(before.show[id]);
  });

  it('replaces what a damaged catalog says with what the store says', async () => {
    const archive = await Archive.open(archiveDir);
    try {
      // A catalog that lies: a changed label, a lost file row, a lost AIP.
      archive.catalog.db.prepare('UPDATE aips SET label = ? WHERE id = ?').run('wrong', ids[0]);
      archive.catalog.db.prepare('DELETE FROM files WHERE aip_id = ?').run(ids[1]);
      archive.catalog.remove(ids[2]!);
      // AIPs made within the same second list in id order: compare without order
      expect(archive.list().map((a) => a.label).sort()).toEqual(['Test AIP second', 'wrong']);
      expect(archive.show(ids[1]!).files).toEqual([]);
    } finally {
      await archive.close();
    }

    const rebuild = await bevaraIn(archiveDir, ['catalog', 'rebuild']);
    expect(rebuild.code, rebuild.stderr).toBe(0);
    expect(rebuild.stdout).toMatch(/catalog rebuilt from store local: 3 AIPs/);
    expect(await answers()).toEqual(original);
  });
});

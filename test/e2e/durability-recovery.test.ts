/**
 * Issue 8, recovery and exit: an archive with two local stores, exported as plain OCFL and rebuilt
 * from one store alone after the catalog and the primary store are gone. Real CLI, real files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Archive } from '@bevara/storage';
import { bevaraIn, jsonLines } from '../support/cli.ts';
import { createSampleAip, sampleFiles, tempDir } from './support/archive.ts';
import { validateStorageRoot } from './support/ocfl-rules.ts';

describe('durability: export and recovery from one store', () => {
  let base: string;
  let dir: string;
  let second: string;
  const ids: string[] = [];

  beforeAll(async () => {
    base = tempDir('durability');
    dir = path.join(base, 'archive');
    second = path.join(base, 'second');
    expect((await bevaraIn(dir, ['init'])).code).toBe(0);
    const add = await bevaraIn(dir, ['store', 'add', 'second', '--type', 'local', '--path', second]);
    expect(add.code, add.stderr).toBe(0);
    expect((await bevaraIn(dir, ['policy', 'set', '--copies', '2'])).code).toBe(0);
    const archive = await Archive.open(dir);
    try {
      for (const seed of ['alpha', 'beta', 'gamma']) ids.push((await createSampleAip(archive, seed, sampleFiles(seed, 3))).id);
    } finally {
      await archive.close();
    }
  });
  afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

  it('store list shows both stores, the primary first, both required', async () => {
    const r = await bevaraIn(dir, ['store', 'list', '--json']);
    expect(r.code).toBe(0);
    expect(jsonLines(r.stdout).map((s) => [s.name, s.primary, s.required])).toEqual([
      ['local', true, true],
      ['second', false, true],
    ]);
  });

  it('bevara audit --json: every copy good, exit 0', async () => {
    const r = await bevaraIn(dir, ['audit', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines.filter((l) => l.type === 'store').map((l) => [l.store, l.copies, l.good])).toEqual([
      ['local', 3, 3],
      ['second', 3, 3],
    ]);
    expect(lines.at(-1)).toMatchObject({ type: 'summary', ok: true });
  });

  it('bevara export writes a valid OCFL storage root with the chosen AIPs and a catalog dump', async () => {
    const out = path.join(base, 'export');
    const r = await bevaraIn(dir, ['export', out, ids[0]!, ids[2]!, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const { objects, problems } = validateStorageRoot(out);
    expect(problems).toEqual([]);
    expect(objects).toHaveLength(2);
    const dump = fs.readFileSync(path.join(out, 'extensions/bevara-archive/catalog.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string });
    expect(dump.map((d) => d.id)).toEqual([ids[0], ids[2]]);
    expect(fs.readdirSync(path.join(out, 'extensions/bevara-archive/certificates')).length).toBeGreaterThan(0);
    expect(fs.existsSync(path.join(out, 'extensions/bevara-audit-log/entries/000000000001.json'))).toBe(true);
    // an export into a folder that is not empty is refused and leaves it as it was
    const again = await bevaraIn(dir, ['export', out]);
    expect(again.code).toBe(2);
    expect(validateStorageRoot(out).objects).toHaveLength(2);
  });

  it('with the catalog deleted and only the second store left, catalog rebuild gives back the same AIPs', async () => {
    const before = jsonLines((await bevaraIn(dir, ['list', '--json'])).stdout);
    expect(before).toHaveLength(3);
    fs.rmSync(path.join(dir, 'store'), { recursive: true });
    for (const f of fs.readdirSync(dir)) if (f.startsWith('catalog.sqlite')) fs.rmSync(path.join(dir, f));
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'bevara.json'), 'utf8')) as { stores: { name: string }[]; policy: { copies: number } };
    config.stores = config.stores.filter((s) => s.name === 'second');
    config.policy.copies = 1;
    fs.writeFileSync(path.join(dir, 'bevara.json'), JSON.stringify(config, null, 2));

    const rebuilt = await bevaraIn(dir, ['catalog', 'rebuild', '--json']);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect(jsonLines(rebuilt.stdout)[0]).toMatchObject({ aips: 3 });
    const after = jsonLines((await bevaraIn(dir, ['list', '--json'])).stdout);
    expect(after).toEqual(before);
    const verify = await bevaraIn(dir, ['verify', '--json']);
    expect(verify.code, verify.stdout).toBe(0);
  });
});

/**
 * `bevara verify` on real damage. Each fixture is an AIP damaged in one way and named by the one code
 * it must raise; a clean AIP beside them must stay clean. Exit 1 when any AIP has a finding.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Archive } from '@bevara/storage';
import { bevaraIn, jsonLines } from '../support/cli.ts';
import { createSampleAip, sampleFiles, tempDir } from './support/archive.ts';

interface Verified { id: string; objectRoot: string; ok: boolean; head?: string; findings: { code: string; path?: string }[] }

const sidecar = (bytes: Buffer): string => `${createHash('sha256').update(bytes).digest('hex')}  inventory.json\n`;
const firstContentFile = (objectDir: string): string => {
  const inv = JSON.parse(fs.readFileSync(path.join(objectDir, 'inventory.json'), 'utf8')) as { manifest: Record<string, string[]> };
  const contentPath = Object.values(inv.manifest).flat().find((p) => p.includes('/submission/'));
  if (!contentPath) throw new Error('no submission file in the manifest');
  return path.join(objectDir, contentPath);
};

/** Fixture name (the code it must raise) → the damage done to the object folder. */
const FIXTURES: Record<string, (objectDir: string) => void> = {
  'BV-CNT-2_flipped_byte': (o) => {
    const f = firstContentFile(o);
    const bytes = fs.readFileSync(f);
    bytes[100] = bytes[100]! ^ 0x01;
    fs.writeFileSync(f, bytes);
  },
  'BV-CNT-1_deleted_content_file': (o) => fs.rmSync(firstContentFile(o)),
  'BV-SIG-2_edited_inventory_matching_sidecar': (o) => {
    // A forger without the key edits the inventory and recomputes the sidecars so only the signature tells.
    for (const inv of ['inventory.json', 'v1/inventory.json']) {
      const edited = Buffer.from(fs.readFileSync(path.join(o, inv), 'utf8').replace('"message": "ingest ', '"message": "forged '));
      fs.writeFileSync(path.join(o, inv), edited);
      fs.writeFileSync(path.join(o, `${inv}.sha256`), sidecar(edited));
    }
  },
  'BV-SIG-1_removed_signature': (o) => fs.rmSync(path.join(o, 'extensions/bevara-signatures/v1.p7s')),
  'BV-INV-3_bad_sidecar': (o) => fs.writeFileSync(path.join(o, 'inventory.json.sha256'), `${'0'.repeat(64)}  inventory.json\n`),
  'BV-CNT-3_extra_file': (o) => fs.writeFileSync(path.join(o, 'v1/content/submission/smuggled.txt'), 'not in any manifest'),
  'BV-INV-2_corrupted_inventory': (o) => {
    const f = path.join(o, 'inventory.json');
    fs.writeFileSync(f, fs.readFileSync(f).subarray(0, 200));
  },
};

describe('bevara verify on damaged AIPs', () => {
  let dir: string;
  let archiveDir: string;
  const ids = new Map<string, string>(); // fixture → AIP id
  let cleanId: string;

  beforeAll(async () => {
    dir = tempDir('verify');
    archiveDir = path.join(dir, 'archive');
    const archive = await Archive.init(archiveDir);
    try {
      cleanId = (await createSampleAip(archive, 'clean', sampleFiles('clean', 2))).id;
      for (const name of Object.keys(FIXTURES)) {
        const aip = await createSampleAip(archive, name, sampleFiles(name, 2));
        ids.set(name, aip.id);
      }
    } finally {
      await archive.close();
    }
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('exits 0 while every AIP is intact', async () => {
    const r = await bevaraIn(archiveDir, ['verify', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const results = jsonLines<Verified>(r.stdout);
    expect(results).toHaveLength(ids.size + 1);
    expect(results.every((x) => x.ok && x.findings.length === 0)).toBe(true);
  });

  it('raises exactly the code each fixture is named by, leaves the clean AIP clean, and exits 1', async () => {
    for (const [name, damage] of Object.entries(FIXTURES)) {
      damage(path.join(archiveDir, 'store', objectRootOf(ids.get(name)!)));
    }
    const r = await bevaraIn(archiveDir, ['verify', '--json']);
    expect(r.code, r.stderr).toBe(1);
    // By object root: an object whose inventory cannot be read cannot tell its id, only where it is.
    const byRoot = new Map(jsonLines<Verified>(r.stdout).map((x) => [x.objectRoot, x]));
    expect(byRoot.get(objectRootOf(cleanId))).toMatchObject({ id: cleanId, ok: true, findings: [] });
    const raised = Object.fromEntries([...ids].map(([name, id]) => [name, [...new Set(byRoot.get(objectRootOf(id))?.findings.map((f) => f.code))]]));
    const expected = Object.fromEntries([...ids.keys()].map((name) => [name, [name.split('_')[0]]]));
    expect(raised).toEqual(expected);
  });

  it('checks only the AIPs named on the command line, and names code and path in the text report', async () => {
    const clean = await bevaraIn(archiveDir, ['verify', cleanId]);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toContain('1 intact, 0 with findings');
    const bad = await bevaraIn(archiveDir, ['verify', ids.get('BV-SIG-1_removed_signature')!, cleanId]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^FAIL urn:uuid:\S+ v1/m);
    expect(bad.stdout).toContain('BV-SIG-1 extensions/bevara-signatures/v1.p7s');
    expect(bad.stdout).toContain('1 intact, 1 with findings');
  });
});

function objectRootOf(id: string): string {
  const h = createHash('sha256').update(id, 'utf8').digest('hex');
  return `${h.slice(0, 3)}/${h.slice(3, 6)}/${h.slice(6, 9)}/${h}`;
}

/**
 * BEVARA-007's identification is kept with the read it was made from, so a caller joining the file pass (ingest)
 * takes it whole instead of identifying the file again; files outside the fileSec are left to that caller.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Identification } from '../formats/identify.ts';
import { generatePackage } from '../generator/generate.ts';
import { writeFolder } from '../generator/writers.ts';
import { openPackage } from '../sip/open.ts';
import { validateMets } from '../validate.ts';
import { identificationFromRead } from './formats.ts';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'bevara-formats-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

it('hands the pass the identification of each fileSec file it judged, and none for other files', async () => {
  const spec = generatePackage({ profile: 'fgs12', seed: 'formats-reuse', organisation: 'Exempelby kommun', cases: 2 });
  const pkg = await openPackage(await writeFolder(spec, join(tmp, 'p')), {});
  try {
    const seen = new Map<string, Identification | undefined>();
    const report = await (await validateMets(pkg, {})).filePass({
      everyFile: true,
      onRead: (path, read) => void seen.set(path, identificationFromRead(read)),
    });
    const judged = report.files!.filter((f) => f.puid !== undefined);
    expect(judged.length).toBeGreaterThan(2);
    for (const f of judged) {
      const id = seen.get(f.path);
      expect(id, f.path).toBeDefined();
      expect([id!.puid, id!.name, id!.basis], f.path).toEqual([f.puid, f.formatName, f.basis]);
    }
    // The package METS is in no fileSec: BEVARA-007 does not identify it, so the caller must.
    expect(seen.has('sip.xml')).toBe(true);
    expect(seen.get('sip.xml')).toBeUndefined();
    expect([...seen.values()].some((id) => id?.mime !== undefined)).toBe(true);
  } finally {
    await pkg.close();
  }
});

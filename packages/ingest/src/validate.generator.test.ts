/**
 * The validator against the project's generated packages: the valid package of every profile is valid as a whole,
 * and each invalid variant of the generator raises the requirement ID it is named after (failed, or warning for a
 * SHOULD). Where generator and validator read a rule differently, docs/rules.md says which side was fixed and why.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePackage } from './generator/generate.ts';
import { invalidVariants } from './generator/invalid.ts';
import { PROFILES, type Profile } from './generator/types.ts';
import { writeFolder } from './generator/writers.ts';
import { validatePackage } from './validate.ts';

/** The CSIP version each E-ARK profile is judged against: 2.0.4 and 2.1.0 share one PROFILE URL, so the agreement pins it. */
const CSIP_VERSION: Partial<Record<Profile, string>> = { 'eark-csip-2.0.4': '2.0.4', 'eark-csip-2.1': '2.1.0', 'eark-csip-2.2.0': '2.2.0' };
const optionsFor = (profile: Profile) => {
  const csipVersion = CSIP_VERSION[profile];
  return csipVersion === undefined ? {} : { agreement: { csipVersion } };
};

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'bevara-validate-gen-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe.each(PROFILES)('generated %s packages', (profile: Profile) => {
  const spec = generatePackage({ profile, seed: `validate-${profile}`, organisation: 'Exempelby kommun', cases: 3 });

  it('the valid package is valid, every file identified', async () => {
    const dir = await writeFolder(spec, join(tmp, profile, 'valid'));
    const report = await validatePackage(dir, optionsFor(profile));
    const failed = report.results.filter((r) => r.status === 'failed').map((r) => `${r.id} ${r.location?.file ?? ''}: ${r.message}`);
    expect(failed).toEqual([]);
    expect(report.valid).toBe(true);
    expect(report.profile).toContain(CSIP_VERSION[profile] ?? 'FGS Paketstruktur 1.2');
    expect(report.files?.length).toBeGreaterThan(3);
    const identified = report.files!.filter((f) => f.puid !== undefined);
    expect(identified.length).toBeGreaterThan(0);
    for (const f of identified) expect(f.puid, f.path).toMatch(/^(x-)?fmt\/\d+$/);
  });

  it.each(invalidVariants(profile).map((v) => [v.name, v] as const))('%s raises its ID', async (name, v) => {
    const dir = await writeFolder(v.mutate(spec), join(tmp, profile, name));
    const report = await validatePackage(dir, optionsFor(profile));
    const mine = report.results.filter((r) => r.id === v.id && (r.status === 'failed' || r.status === 'warning'));
    const flagged = [...new Set(report.results.filter((r) => r.status === 'failed' || r.status === 'warning').map((r) => r.id))];
    expect(mine.length, `${name}: ${v.id} not raised; raised ${flagged.join(' ')}`).toBeGreaterThan(0);
  });
});

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smallBytes } from './content.ts';
import { generatePackage } from './generate.ts';
import { xmllint, sharedReferenceDir } from './xmllint.ts';
import { invalidVariants } from './invalid.ts';
import { PROFILES, type PackageSpec, type Profile } from './types.ts';
import { writeFolder } from './writers.ts';

const REF = sharedReferenceDir();
const HAVE_REF = existsSync(join(REF, 'schemas/catalog.xml'));

/** A digest of everything a spec would write, to see whether a mutation changed anything. */
function fingerprint(spec: PackageSpec): string {
  const h = createHash('sha256');
  for (const f of spec.files) {
    h.update(f.path);
    h.update(smallBytes(f.content) ?? f.content.kind);
  }
  return h.digest('hex');
}

describe.skipIf(!HAVE_REF)('invalidVariants', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'bevara-invalid-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  describe.each(PROFILES)('profile %s', (profile: Profile) => {
    const spec = generatePackage({ profile, seed: `bad-${profile}`, organisation: 'Exempelby kommun', cases: 3 });
    const variants = invalidVariants(profile);

    it('names each variant uniquely after the rule it must raise', () => {
      const names = variants.map((v) => v.name);
      expect(new Set(names).size).toBe(names.length);
      for (const v of variants) expect(v.name.startsWith(`${v.id}_`)).toBe(true);
      expect(variants.length).toBeGreaterThan(profile === 'fgs12' ? 20 : 60);
    });

    it.each(variants.map((v) => [v.name, v] as const))('%s changes a copy and writes', async (name, v) => {
      const before = fingerprint(spec);
      const bad = v.mutate(spec);
      expect(fingerprint(spec)).toBe(before);
      expect(fingerprint(bad)).not.toBe(before);
      await writeFolder(bad, join(tmp, profile, name));
    });
  });

  it('breaks the schema where the rule is a schema rule', async () => {
    const cases: Array<[Profile, string, string, string]> = [
      ['fgs12', 'FGS12-003_no_objid', 'sip.xml', 'schemas/fgs-paketstruktur-bundle.xsd'],
      ['fgs12', 'FGS12-004_type_sip', 'sip.xml', 'schemas/fgs-paketstruktur-bundle.xsd'],
      ['fgs12', 'FGS12-007_two_agents', 'sip.xml', 'schemas/fgs-paketstruktur-bundle.xsd'],
      ['fgs12', 'FGS12-017_accessrestrict_hemlig', 'sip.xml', 'schemas/fgs-paketstruktur-bundle.xsd'],
      ['fgs12', 'FGSE-001_restriktion_no_typ', 'Content/arendehantering.xml', 'fgs/fgs-erms-1.0-derived/Bygglov_v2.xsd'],
      ['eark-csip-2.1', 'ERMS59_restriction_no_regulation', 'metadata/descriptive/erms.xml', 'fgs/cits-erms/ERMS_v2_1_2.xsd'],
    ];
    for (const [profile, name, file, schema] of cases) {
      const spec = generatePackage({ profile, seed: 'schema', organisation: 'Exempelby kommun', cases: 2, kinds: ['forsorjningsstod'] });
      const v = invalidVariants(profile).find((x) => x.name === name)!;
      const good = await writeFolder(spec, join(tmp, 'schema-good', name));
      const bad = await writeFolder(v.mutate(spec), join(tmp, 'schema-bad', name));
      expect(xmllint(schema, join(good, file)).ok, `${name} original`).toBe(true);
      expect(xmllint(schema, join(bad, file)).ok, name).toBe(false);
    }
  });

  it('keeps other checksums right: only the named reference is wrong', async () => {
    const spec = generatePackage({ profile: 'eark-csip-2.1', seed: 'sums', organisation: 'Exempelby kommun', cases: 2, kinds: ['forsorjningsstod'] });
    const v = invalidVariants('eark-csip-2.1').find((x) => x.name === 'ERMS59_restriction_no_regulation')!;
    const root = await writeFolder(v.mutate(spec), join(tmp, 'sums'));
    const erms = await readFile(join(root, 'metadata/descriptive/erms.xml'));
    const mets = await readFile(join(root, 'METS.xml'), 'utf8');
    expect(mets).toContain(`CHECKSUM="${createHash('sha256').update(erms).digest('hex')}"`);
    expect(mets).toContain(`SIZE="${erms.length}"`);
    const mismatch = invalidVariants('eark-csip-2.1').find((x) => x.name === 'CSIP71_file_checksum_mismatch')!;
    const root2 = await writeFolder(mismatch.mutate(spec), join(tmp, 'sums2'));
    const doc = await readFile(join(root2, 'documentation/leveransbeskrivning.pdf'));
    const mets2 = await readFile(join(root2, 'METS.xml'), 'utf8');
    expect(mets2).not.toContain(createHash('sha256').update(doc).digest('hex'));
    expect(mets2).toContain('a'.repeat(64));
  });
});

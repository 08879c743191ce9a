import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { generatePackage } from '../generator/generate.ts';
import { writeFolder } from '../generator/writers.ts';
import { parseSafeBytes } from '../xml/dom.ts';
import { readXmlSafely } from '../xml/safe.ts';
import { marking, parseErms } from './parse.ts';

const dirs: string[] = [];
afterAll(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }); });

async function casesOf(profile: 'fgs12' | 'eark-csip-2.1', file: string) {
  const spec = generatePackage({ profile, seed: `erms-${profile}`, organisation: 'Exempelby kommun', cases: 5 });
  const dir = await mkdtemp(path.join(tmpdir(), 'bevara-erms-'));
  dirs.push(dir);
  const root = await writeFolder(spec, dir);
  const bytes = await readXmlSafely(Readable.from([readFileSync(path.join(root, file))]), { name: file });
  return { spec, cases: parseErms(parseSafeBytes(bytes, file)) };
}

describe('parseErms', () => {
  for (const [profile, file] of [['fgs12', 'Content/arendehantering.xml'], ['eark-csip-2.1', 'metadata/descriptive/erms.xml']] as const) {
    it(`reads cases, records, documents and secrecy of ${profile} as the generator's truth says`, async () => {
      const { spec, cases } = await casesOf(profile, file);
      expect(cases.map((c) => c.diarienummer)).toEqual(spec.truth.cases.map((c) => c.diarienummer));
      for (const [i, truth] of spec.truth.cases.entries()) {
        const c = cases[i]!;
        expect(c.records.map((r) => r.objectId)).toEqual(truth.records.map((r) => r.objectId));
        expect(c.records.map((r) => r.documents.map((d) => d.path))).toEqual(truth.records.map((r) => r.files));
        for (const [j, rec] of truth.records.entries()) {
          const effective = [...c.secrecy, ...c.records[j]!.secrecy];
          if (rec.secrecy) expect(effective.map((m) => m.provision)).toContain(rec.secrecy.provision);
          else expect(effective).toEqual([]);
        }
      }
    });
  }

  it('keeps a restriction without a readable legal ground as withheld pending review, never public', () => {
    expect(marking(undefined, 'sekretess', 'Sekretess').status).toBe('withheld-pending-review');
    expect(marking('enligt lag', undefined, undefined).status).toBe('withheld-pending-review');
    expect(marking('OSL 26 kap. 1 §', undefined, undefined)).toMatchObject({ status: 'withheld', chapter: 26, section: 1 });
  });
});

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

  const parse = (xml: string) => parseErms(parseSafeBytes(Buffer.from(xml, 'utf8'), 'erms.xml'));

  it("reads a CITS ERMS restriction's start date (dates or duration) and a registration-details restriction", () => {
    const restriction = (inner: string, attrs = 'restrictionType="confidential"') => `<restriction ${attrs}><regulation>OSL 31 kap. 16 §</regulation>${inner}</restriction>`;
    const [c] = parse(`<erms xmlns="https://DILCIS.eu/XML/ERMS"><aggregations><aggregation aggregationType="caseFile" systemIdentifier="a">
      <objectId>KS 2023/0001</objectId>
      ${restriction('', 'restrictionType="other_type" otherRestrictionType="Registration_Details"')}
      <record systemIdentifier="b"><objectId>KS 2023/0001-1</objectId>
        ${restriction('<dates><date dateType="start">2031-05-06T00:00:00</date></dates>')}
        ${restriction('<duration><dates><date dateType="start">2030-01-02T00:00:00</date></dates></duration>')}
        ${restriction('<dates><date dateType="created">2023-02-01T00:00:00</date></dates>')}
      </record></aggregation></aggregations></erms>`);
    expect(c!.secrecy).toEqual([expect.objectContaining({ status: 'withheld', coversRegistration: true })]);
    expect(c!.secrecy[0]).not.toHaveProperty('runsFrom');
    // The marking's own date ("created") is when it was made, not when the secrecy starts.
    expect(c!.records[0]!.secrecy.map((m) => [m.runsFrom, m.coversRegistration])).toEqual([['2031-05-06', undefined], ['2030-01-02', undefined], [undefined, undefined]]);
  });

  it('reads an FGS 1.0 Restriktion of the other type "Registreringsuppgifter"; FGS 1.0 states no start date', () => {
    const [c] = parse(`<Leveransobjekt xmlns="http://xml.ra.se/e-arkiv/FGS-ERMS"><ArkivobjektListaArenden><ArkivobjektArende>
      <ArkivobjektID>SN 2024/0001</ArkivobjektID>
      <Restriktion Typ="Sekretess"><Lagrum>OSL 26 kap. 1 §</Lagrum><RestriktionsDatum>2094-01-01</RestriktionsDatum></Restriktion>
      <Restriktion Typ="Annan typ" AnnanTyp="Registreringsuppgifter"><Lagrum>OSL 26 kap. 1 §</Lagrum></Restriktion>
      <Restriktion Typ="Annan typ" AnnanTyp="Gallringsbeslut"><Lagrum>OSL 26 kap. 1 §</Lagrum></Restriktion>
    </ArkivobjektArende></ArkivobjektListaArenden></Leveransobjekt>`);
    expect(c!.secrecy.map((m) => [m.status, m.coversRegistration, m.runsFrom])).toEqual([['withheld', undefined, undefined], ['withheld', true, undefined], ['withheld', undefined, undefined]]);
  });
});

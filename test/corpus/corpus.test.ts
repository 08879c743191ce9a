import { fileURLToPath } from 'node:url';
/**
 * Conformance with the E-ARK IP test corpus, measured per requirement. Each testCase.xml tests one requirement;
 * each of its packages is valid or invalid *for that one rule*, not as a whole (corpus SOURCES.md: "isValid is the
 * outcome for that one rule, not for the whole package"). So:
 * - isValid=FALSE under an ERROR rule: Bevara's result for that requirement ID is `failed`;
 *   under a WARNING rule (a SHOULD requirement): `failed` or `warning`; under an INFO rule (a MAY element left
 *   out): not `passed` — Bevara reports an absent MAY element as `skipped` with the reason, which is that note.
 * - isValid=TRUE: Bevara's result for that requirement ID is not `failed`.
 * Every disagreement must be a documented corpus defect (CORPUS_DEFECTS, each with its reason), and every
 * documented defect must still disagree, so any regression or stale entry fails the test. Separately, the test
 * prints how many isValid=TRUE packages are valid as a whole and why the others are not.
 * Skips visibly when ../shared (the reference folder beside the checkout) is absent.
 */
import { createReadStream, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validatePackage, type ValidationReport } from '@bevara/ingest';
// The safe XML path is not part of @bevara/ingest's public API; the corpus's testCase.xml files go through it
// all the same rather than through a second parser.
import { parseSafeBytes, type XmlElement as Element } from '../../packages/ingest/src/xml/dom.ts';
import { readXmlSafely } from '../../packages/ingest/src/xml/safe.ts';

const CORPUS = fileURLToPath(new URL('../../../shared/reference/eark-ip-test-corpus/corpus', import.meta.url));

interface Case { spec: string; requirement: string; version: string; rule: string; level: string; valid: boolean; path: string }

/**
 * Packages whose corpus verdict Bevara believes wrong, keyed `<REQ>:<package path under the requirement>`.
 * Each reason says what the package does and why the corpus's verdict for that requirement does not hold.
 */
const CORPUS_DEFECTS: ReadonlyMap<string, string> = new Map<string, string>([
  ['CSIP24:valid/IP_18000_CSIP24_2', 'dmdSec/mdRef/@xlink:href is empty ("There is no value"); CSIP24 says the href MUST give the actual location of the resource, so an empty one fails CSIP24 whatever the WARNING of rule 2 about URL form says'],
  ['CSIP43:valid/valid_IP_with_SHOULD_MAY_1_rep', 'the valid template references representations/rep1/metadata/preservation/rep1_preservation_meta_premis_v2-1.xml with the SIZE and SHA-256 of its CRLF form; the corpus ships the file with LF line endings (size and digest match only after LF→CRLF, as the message of Bevara names). A metadata file, not a carried schema: the METS of the package is wrong about it, so CSIP43 fails'],
  ['CSIP54:valid/valid_IP_with_SHOULD_MAY_1_rep', 'the valid template references metadata/preservation/package_preservation_meta_premis_v3.xml (rightsMD) with the SIZE and SHA-256 of its CRLF form; the corpus ships the file with LF line endings (size and digest match only after LF→CRLF, as the message of Bevara names). A metadata file, not a carried schema: the METS of the package is wrong about it, so CSIP54 fails'],
  ['CSIP56:valid/valid_IP_with_SHOULD_MAY_1_rep', 'the valid template references metadata/preservation/package_preservation_meta_premis_v3.xml (rightsMD) with the SIZE and SHA-256 of its CRLF form; the corpus ships the file with LF line endings (size and digest match only after LF→CRLF, as the message of Bevara names). A metadata file, not a carried schema: the METS of the package is wrong about it, so CSIP56 fails'],
  ['CSIP61:invalid/fileGrp_ADMID_incorrect_ref2', 'fileGrp/@ADMID (METS.xml line 85) lists two real amdSec IDs; the wrong IDREF (a fileGrp ID) sits on the structMap Metadata div’s @ADMID (line 94), which is the concern of CSIP91, not of CSIP61'],
]);

/** testCase.xml files go through Bevara's own safe XML path like any other XML. */
async function loadCases(): Promise<Case[]> {
  const cases: Case[] = [];
  for (const spec of ['CSIP', 'SIP']) {
    for (const req of readdirSync(join(CORPUS, spec))) {
      const file = join(CORPUS, spec, req, 'testCase.xml');
      if (!existsSync(file)) continue;
      const doc = parseSafeBytes(await readXmlSafely(createReadStream(file), { name: file }), file);
      const id = doc.get<Element>('/testCase/id');
      for (const rule of doc.find<Element>('/testCase/rules/rule')) {
        for (const p of rule.find<Element>('corpusPackages/package')) {
          const rel = (p.get<Element>('path')?.text() ?? '').trim();
          const path = join(CORPUS, spec, req, rel);
          if (p.attr('isImplemented')?.value() !== 'TRUE' || !existsSync(path)) continue;
          cases.push({
            spec,
            requirement: id?.attr('requirementId')?.value() ?? req,
            version: id?.attr('version')?.value() ?? '',
            rule: rule.attr('id')?.value() ?? '',
            level: rule.get<Element>('error')?.attr('level')?.value() ?? '',
            valid: p.attr('isValid')?.value() === 'TRUE',
            path,
          });
        }
      }
    }
  }
  return cases;
}

/** The corpus cites 2.0-DRAFT … 2.1.1; Bevara ships the 2.0.4, 2.1.0 and 2.2.0 profiles. */
function versionFor(v: string): string {
  return v.startsWith('2.1') ? '2.1.0' : v.startsWith('2.2') ? '2.2.0' : '2.0.4';
}

function keyOf(c: Case): string {
  return `${c.requirement}:${c.path.slice(join(CORPUS, c.spec, c.requirement).length + 1)}`;
}

function agrees(c: Case, report: ValidationReport): boolean {
  const mine = report.results.filter((r) => r.id === c.requirement);
  if (c.valid) return !mine.some((r) => r.status === 'failed');
  if (c.level === 'ERROR') return mine.some((r) => r.status === 'failed');
  if (c.level === 'WARNING') return mine.some((r) => r.status === 'failed' || r.status === 'warning');
  return mine.length > 0 && mine.every((r) => r.status !== 'passed');
}

describe.skipIf(!existsSync(CORPUS))('E-ARK IP test corpus conformance', () => {
  it('gives, per requirement, the verdict the corpus expects', async () => {
    const cases = await loadCases();
    const reports = new Map<string, ValidationReport>();
    const disagreements: string[] = [];
    const defectsSeen = new Set<string>();
    let defectCases = 0;
    const wholeValid: string[] = [];
    const notWholeValid = new Map<string, string[]>();
    for (const c of cases) {
      const cacheKey = `${c.path}\u0000${versionFor(c.version)}`;
      let report = reports.get(cacheKey);
      if (report === undefined) {
        report = await validatePackage(c.path, { agreement: { csipVersion: versionFor(c.version) } });
        reports.set(cacheKey, report);
      }
      const key = keyOf(c);
      if (c.valid) {
        if (report.valid) wholeValid.push(key);
        else {
          const why = [...new Set(report.results.filter((r) => r.status === 'failed').map((r) => r.id))].sort().join(' ');
          notWholeValid.set(why, [...(notWholeValid.get(why) ?? []), key]);
        }
      }
      if (agrees(c, report)) continue;
      if (CORPUS_DEFECTS.has(key)) { defectsSeen.add(key); defectCases++; continue; }
      const mine = report.results.filter((r) => r.id === c.requirement);
      const what = mine.length === 0 ? 'not reported' : mine.map((r) => `${r.status}: ${r.message}`).slice(0, 2).join(' | ');
      disagreements.push(`${key} (${c.version} rule ${c.rule} ${c.level} ${c.valid ? 'valid' : 'invalid'}) -> ${what}`);
    }
    const agreeing = cases.length - disagreements.length - defectCases;
    const validCount = cases.filter((c) => c.valid).length;
    const lines = [
      `E-ARK corpus, per requirement: ${agreeing} of ${cases.length} verdicts agree; ${defectCases} on ${defectsSeen.size} documented corpus defects; ${disagreements.length} other disagreements`,
      ...disagreements.map((d) => `  DISAGREE ${d}`),
      ...[...defectsSeen].map((k) => `  CORPUS DEFECT ${k}: ${CORPUS_DEFECTS.get(k)}`),
      `isValid=TRUE packages valid as a whole: ${wholeValid.length} of ${validCount}`,
      ...[...notWholeValid].map(([why, keys]) => `  not valid as a whole (${keys.length}), failing ${why}: ${keys.join(', ')}`),
    ];
    process.stdout.write(`\n${lines.join('\n')}\n`);
    expect(cases.length).toBeGreaterThan(300);
    expect(disagreements).toEqual([]);
    expect([...CORPUS_DEFECTS.keys()].filter((k) => !defectsSeen.has(k)), 'documented defects that now agree').toEqual([]);
  }, 300_000);
});

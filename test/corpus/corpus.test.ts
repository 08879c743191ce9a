/**
 * Conformance with the E-ARK IP test corpus: every implemented package of every testCase.xml is validated and
 * compared with the verdict the corpus expects for the requirement it tests. Prints how many agree.
 * Skips visibly when /work/shared (the reference folder) is absent.
 */
import { createReadStream, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validatePackage } from '../../packages/ingest/src/validate.ts';
import { parseSafeBytes, type XmlElement as Element } from '../../packages/ingest/src/xml/dom.ts';
import { readXmlSafely } from '../../packages/ingest/src/xml/safe.ts';

const CORPUS = '/work/shared/reference/eark-ip-test-corpus/corpus';

interface Case { requirement: string; version: string; rule: string; level: string; valid: boolean; path: string }

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
          const path = join(CORPUS, spec, req, (p.get<Element>('path')?.text() ?? '').trim());
          if (p.attr('isImplemented')?.value() !== 'TRUE' || !existsSync(path)) continue;
          cases.push({
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

describe.skipIf(!existsSync(CORPUS))('E-ARK IP test corpus conformance', () => {
  it('gives the verdict the corpus expects', async () => {
    const cases = await loadCases();
    const disagreements: string[] = [];
    for (const c of cases) {
      const report = await validatePackage(c.path, { agreement: { csipVersion: versionFor(c.version) } });
      const mine = report.results.filter((r) => r.id === c.requirement);
      const failed = mine.some((r) => r.status === 'failed');
      const flagged = mine.some((r) => r.status === 'failed' || r.status === 'warning');
      let agree: boolean;
      if (c.level === 'ERROR') agree = c.valid ? !failed && report.valid : failed && !report.valid;
      else if (c.level === 'WARNING') agree = c.valid ? !flagged && report.valid : flagged;
      else agree = c.valid ? !failed : mine.every((r) => r.status !== 'passed');
      if (!agree) {
        const why = c.valid && !report.valid ? report.results.filter((r) => r.status === 'failed').map((r) => `${r.id}: ${r.message}`).slice(0, 3).join(' | ') : mine.map((r) => r.status).join(',');
        disagreements.push(`${c.requirement} rule ${c.rule} ${c.level} ${c.valid ? 'valid' : 'invalid'} ${c.path.slice(CORPUS.length + 1)} -> ${why}`);
      }
    }
    const agreeing = cases.length - disagreements.length;
    process.stdout.write(`\nE-ARK corpus: ${agreeing} of ${cases.length} package verdicts agree\n${disagreements.map((d) => `  DISAGREE ${d}`).join('\n')}\n`);
    expect(cases.length).toBeGreaterThan(0);
    expect(agreeing).toBe(cases.length);
  });
});

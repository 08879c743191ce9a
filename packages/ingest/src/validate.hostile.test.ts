/**
 * Hostile packages from the generator: each must end in a thrown IngestError with its stable code or a failed
 * result naming it, and nothing may be left in the staging folder or written beside the package.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeHostile, type HostileKind } from './generator/hostile.ts';
import { validatePackage } from './validate.ts';
import { IngestError } from './errors.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bevara-hostile-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Thrown failures: the container itself is refused. */
const THROWN: [HostileKind, string][] = [
  ['zip-dotdot', 'I-004'],
  ['zip-absolute', 'I-004'],
  ['zip-symlink', 'I-005'],
  ['zip-bomb', 'I-008'],
  ['zip-truncated', 'I-003'],
  ['zip-duplicate', 'I-006'],
  ['zip-non-utf8-name', 'I-007'],
  ['tar-dotdot', 'I-004'],
  ['tar-absolute', 'I-004'],
  ['tar-symlink', 'I-005'],
];

/** Findings: the package is read, the hostile part is reported under a requirement ID. */
const FOUND: [HostileKind, string, string][] = [
  ['xml-doctype', 'BEVARA-001', 'I-009'],
  ['xml-external-entity', 'BEVARA-001', 'I-009'],
  ['xml-billion-laughs', 'BEVARA-001', 'I-009'],
  ['xml-enormous', 'BEVARA-001', 'I-010'],
  ['mets-checksum-mismatch', 'CSIP71', 'METS says'],
  ['mets-size-mismatch', 'CSIP69', 'SIZE'],
];

async function prepare(kind: HostileKind): Promise<{ file: string; staging: string; work: string }> {
  const work = await mkdtemp(join(dir, `${kind}-`));
  const file = join(work, `${kind}.pkg`);
  await writeHostile(kind, file, kind === 'zip-bomb' ? { bytes: 256 * 1024 ** 2 } : kind === 'xml-enormous' ? { bytes: 8 * 1024 ** 2 } : {});
  const staging = await mkdtemp(join(work, 'staging-'));
  return { file, staging, work };
}

async function leftovers(work: string, staging: string, file: string): Promise<string[]> {
  const beside = (await readdir(work)).filter((n) => join(work, n) !== file && join(work, n) !== staging);
  return [...beside, ...(await readdir(staging))];
}

describe('hostile packages', () => {
  for (const [kind, code] of THROWN) {
    it(`${kind} is refused with ${code}`, async () => {
      const { file, staging, work } = await prepare(kind);
      const err = await validatePackage(file, { staging }).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(IngestError);
      expect((err as IngestError).code).toBe(code);
      expect(await leftovers(work, staging, file)).toEqual([]);
    });
  }
  for (const [kind, id, mark] of FOUND) {
    it(`${kind} fails ${id}`, async () => {
      const { file, staging, work } = await prepare(kind);
      const report = await validatePackage(file, { staging, xmlLimits: { maxBytes: 4 * 1024 ** 2 } });
      expect(report.valid).toBe(false);
      const hit = report.results.filter((r) => r.id === id && r.status === 'failed');
      expect(hit.length).toBeGreaterThan(0);
      expect(hit.some((r) => r.message.includes(mark))).toBe(true);
      expect(await leftovers(work, staging, file)).toEqual([]);
    });
  }
});

/**
 * The access catalog on real ingested packages (both profiles, markers on): released records are found
 * by title words with å ä ö, prefixes and diarienummer; withheld ones never; a rebuild answers the same;
 * time passing releases records with no new version.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Archive } from '@bevara/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessCatalog } from '../../packages/access/src/catalog/extension.ts';
import { registerRequest } from '../../packages/access/src/disclosure/request.ts';
import { recordView, releasedFile, searchPublic, caseView, type WithheldRecord } from '../../packages/access/src/search/public.ts';
import { ermsCatalog } from '../../packages/ingest/src/erms-catalog/extension.ts';
import { generatePackage } from '../../packages/ingest/src/generator/generate.ts';
import type { PackageTruth } from '../../packages/ingest/src/generator/types.ts';
import { writeZip } from '../../packages/ingest/src/generator/writers.ts';
import { ingestPackage } from '../../packages/ingest/src/pipeline/ingest.ts';
import { tempDir } from './support/archive.ts';

let work: string;
let archive: Archive;
const truths: PackageTruth[] = [];
const now = new Date('2026-11-23T12:00:00Z');
const PROFILES = ['fgs12', 'eark-csip-2.1'] as const;

beforeAll(async () => {
  work = tempDir('access-search');
  archive = await Archive.init(path.join(work, 'archive'), { catalogExtensions: [ermsCatalog, accessCatalog()] });
  for (const profile of PROFILES) {
    const spec = generatePackage({ profile, seed: `access-${profile}`, organisation: profile === 'fgs12' ? 'Exempelby kommun' : 'Provsta kommun', cases: 5, markers: true });
    const zip = path.join(work, `${profile}.zip`);
    await writeZip(spec, zip);
    const result = await ingestPackage(archive, zip, { agreement: { id: 'default', name: 'Default', strictFormats: false, allowUpdates: false }, submitter: 'test' });
    expect(result.outcome, JSON.stringify(result.report.results.filter((r) => r.status === "failed").slice(0, 5))).toBe("archived");
    truths.push(spec.truth);
  }
});
afterAll(async () => {
  await archive.close();
  fs.rmSync(work, { recursive: true, force: true });
});

const records = () => truths.flatMap((t) => t.cases.flatMap((c) => c.records.map((r) => ({ c, r }))));

describe('access catalog', () => {
  it('has withheld and public records to test with', () => {
    expect(records().filter((x) => x.r.secrecy).length).toBeGreaterThan(2);
    expect(records().filter((x) => !x.r.secrecy).length).toBeGreaterThan(2);
  });

  it('finds every released record by its diarienummer and title, and no withheld one', () => {
    const db = archive.catalog.db;
    for (const { r } of records()) {
      const hits = searchPublic(db, { q: r.objectId, limit: 100 }, now).records;
      const found = hits.some((h) => h.objectId === r.objectId);
      expect(found, `${r.objectId} ${r.secrecy ? 'withheld' : 'public'}`).toBe(!r.secrecy);
    }
    for (const m of truths.flatMap((t) => t.markers)) expect(searchPublic(db, { q: m.marker }, now).total).toBe(0);
  });

  it('searches Swedish words with å ä ö, prefixes and document text', () => {
    const db = archive.catalog.db;
    const all = searchPublic(db, { q: 'kommun', limit: 100 }, now);
    expect(all.total).toBeGreaterThan(0);
    // every generated document says "Uppgifterna i denna handling är påhittade"; a prefix of "påhittade" finds them
    const prefix = searchPublic(db, { q: 'påhitt', limit: 100 }, now);
    expect(prefix.total).toBeGreaterThan(0);
    expect(prefix.records.some((h) => (h.snippet ?? '').includes('\u0001'))).toBe(true);
    // "pahitt" without the ring is another word
    expect(searchPublic(db, { q: 'pahitt' }, now).total).toBe(0);
  });

  it.each([[undefined], ['kommun']])('pages with a cursor through the same set the total counts (q=%s)', (q) => {
    const db = archive.catalog.db;
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 100; i++) {
      const page = searchPublic(db, { limit: 3, ...(q ? { q } : {}), ...(cursor ? { cursor } : {}) }, now);
      seen.push(...page.records.map((r) => r.id));
      if (!page.next) break;
      cursor = page.next;
    }
    const total = searchPublic(db, q ? { q } : {}, now).total;
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
    if (!q) expect(total).toBe(records().filter((x) => !x.r.secrecy).length);
    else expect(total).toBeGreaterThan(3);
  });

  it('gives facet counts of released records only', () => {
    const result = searchPublic(archive.catalog.db, {}, now);
    const sum = (xs: Array<{ count: number }>) => xs.reduce((a, b) => a + b.count, 0);
    expect(sum(result.facets.organisation)).toBe(result.total);
    expect(sum(result.facets.year)).toBe(result.total);
  });

  it('shows a withheld record only as existing, and its files as absent', () => {
    const db = archive.catalog.db;
    const { r } = records().find((x) => x.r.secrecy && !x.r.secrecy.coversRegistration)!;
    const row = db.prepare('SELECT id FROM access_records WHERE object_id = ?').get(r.objectId) as { id: string };
    const view = recordView(db, row.id, now);
    expect(view.status).toBe('withheld');
    expect(JSON.stringify(view)).not.toContain('BVRHEMLIG');
    const files = db.prepare('SELECT f.id FROM access_files f JOIN access_records r ON r.rid = f.rid WHERE r.object_id = ?').all(r.objectId) as Array<{ id: string }>;
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(() => releasedFile(db, f.id, now)).toThrow(expect.objectContaining({ code: 'A-003' }));
    expect(view.record).toMatchObject({ objectId: r.objectId, date: r.date, registrationWithheld: false });
    const kase = caseView(db, (view.record as WithheldRecord).caseId!, now);
    expect(JSON.stringify(kase)).not.toContain('BVRHEMLIG');
  });

  it('hides the object id, diarienummer, date and case of a record whose marking withholds those too, and leaves it out of its case', () => {
    const db = archive.catalog.db;
    const hidden = records().filter((x) => x.r.secrecy?.coversRegistration);
    expect(hidden.length).toBeGreaterThan(0);
    for (const { c, r } of hidden) {
      const row = db.prepare('SELECT id, case_id FROM access_records WHERE object_id = ?').get(r.objectId) as { id: string; case_id: string };
      const view = recordView(db, row.id, now);
      expect(view).toEqual({ status: 'withheld', record: { id: row.id, objectId: null, diarienummer: null, caseId: null, date: null, registrationWithheld: true } });
      const kase = caseView(db, row.case_id, now);
      expect(kase.records.map((x) => x.record.id)).not.toContain(row.id);
      if (r.secrecy!.level === 'case') expect(kase.case).toMatchObject({ diarienummer: null, openedAt: null, title: null, withheld: true });
      else expect(kase.case.diarienummer).toBe(c.diarienummer);
      expect(JSON.stringify(kase)).not.toContain('BVRREG');
    }
  });

  it('refuses a public request that names such a record by its object id exactly as an unknown one, and takes its public id', async () => {
    const { r } = records().find((x) => x.r.secrecy?.coversRegistration)!;
    const row = archive.catalog.db.prepare('SELECT id FROM access_records WHERE object_id = ?').get(r.objectId) as { id: string };
    for (const ref of [r.objectId, 'SN 1999/0001-1']) {
      await expect(registerRequest(archive, { records: [ref], channel: 'public', by: 'public' }, now)).rejects.toMatchObject({ code: 'A-001' });
    }
    await expect(registerRequest(archive, { records: [row.id], channel: 'public', by: 'public' }, now)).resolves.toMatchObject({ records: [{ id: row.id }] });
    await expect(registerRequest(archive, { records: [r.objectId], channel: 'archivist', by: 'arkivarie' }, now)).resolves.toMatchObject({ records: [{ id: row.id }] });
  });

  it('releases a record when its marking lapses, computed when asked', () => {
    const db = archive.catalog.db;
    const lapsing = db.prepare("SELECT object_id, public_from FROM access_records WHERE public_from NOT IN ('0000-01-01', 'never') ORDER BY public_from LIMIT 1").get() as { object_id: string; public_from: string } | undefined;
    expect(lapsing).toBeDefined();
    const after = new Date(`${lapsing!.public_from}T00:00:00Z`);
    const before = new Date(after.getTime() - 86_400_000);
    expect(searchPublic(db, { q: lapsing!.object_id }, before).records.some((h) => h.objectId === lapsing!.object_id)).toBe(false);
    expect(searchPublic(db, { q: lapsing!.object_id }, after).records.some((h) => h.objectId === lapsing!.object_id)).toBe(true);
  });

  it('answers the same after a catalog rebuild', async () => {
    const before = searchPublic(archive.catalog.db, { limit: 100 }, now);
    await archive.rebuildCatalog();
    expect(searchPublic(archive.catalog.db, { limit: 100 }, now)).toEqual(before);
  });
});

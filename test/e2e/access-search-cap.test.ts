/**
 * Search past the counting cap, on a real catalog of 10,025 records inserted directly (ERMS rows, then the
 * access extension's real index path, as the search bench does): the total stops at COUNT_CAP and says
 * there are more, the facets count the newest COUNT_CAP hits, paging still reaches every released hit
 * newest first, and withheld records (the newest of all) are neither counted nor shown.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Archive, type IndexedAip } from '@bevara/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessCatalog } from '../../packages/access/src/catalog/extension.ts';
import { dayNumber } from '../../packages/access/src/catalog/record-order.ts';
import { searchPage } from '../../packages/access/src/routes/pages.ts';
import { searchJson } from '../../packages/access/src/search/json.ts';
import { COUNT_CAP, searchPublic } from '../../packages/access/src/search/public.ts';
import { ermsCatalog } from '../../packages/ingest/src/erms-catalog/extension.ts';
import { tempDir } from './support/archive.ts';

const now = new Date('2026-11-23T12:00:00Z');
const WITHHELD = 15;
const UNDATED = 10;
let work: string;
let archive: Archive;

interface Made {
  objectId: string;
  date: string | null;
  withheld: boolean;
  words: string;
}

/**
 * COUNT_CAP released records say "vanlig gräns" (dated 2001–2020, some only by year), UNDATED released
 * ones only "vanlig" and have no date, so they sort last; WITHHELD records of a secret case say all three
 * words and "hemlig", dated 2025, newest of all.
 */
function catalogContent(): Made[] {
  const made: Made[] = [];
  for (let i = 0; i < COUNT_CAP; i++) {
    const year = 2001 + (i % 20);
    const date = i % 97 === 0 ? String(year) : `${year}-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`;
    made.push({ objectId: `KS ${year}/${i}`, date, withheld: false, words: 'vanlig gräns' });
  }
  for (let i = 0; i < UNDATED; i++) made.push({ objectId: `KS odaterad/${i}`, date: null, withheld: false, words: 'vanlig' });
  for (let i = 0; i < WITHHELD; i++) made.push({ objectId: `SN 2025/${i}`, date: `2025-06-${String(10 + i).padStart(2, '0')}`, withheld: true, words: 'vanlig gräns hemlig' });
  return made;
}

const content = catalogContent();

beforeAll(async () => {
  work = tempDir('access-cap');
  archive = await Archive.init(path.join(work, 'archive'), { catalogExtensions: [ermsCatalog, accessCatalog()] });
  const db = archive.catalog.db;
  const access = accessCatalog();
  const insCase = db.prepare('INSERT INTO erms_cases(aip_id, diarienummer, system_id, title, organisation, opened_at, closed_at, source_path) VALUES (?, ?, NULL, ?, ?, NULL, NULL, ?)');
  const insRecord = db.prepare('INSERT INTO erms_records(aip_id, case_id, object_id, system_id, title, record_type, date) VALUES (?, ?, ?, NULL, ?, ?, ?)');
  const insDoc = db.prepare('INSERT INTO erms_documents(aip_id, record_id, path, name) VALUES (?, ?, ?, ?)');
  const insSecrecy = db.prepare(
    "INSERT INTO erms_secrecy(aip_id, case_id, record_id, status, provision, chapter, section, explanatory_text, type, runs_from, covers_registration) VALUES (?, ?, NULL, 'withheld', 'OSL 26 kap. 1 §', 26, 1, NULL, 'confidential', NULL, 0)",
  );
  const perAip = 2000;
  for (let start = 0; start < content.length; start += perAip) {
    const aipId = `urn:uuid:cap-${start}`;
    const batch = content.slice(start, start + perAip);
    const texts = new Map<string, Buffer>();
    const files: IndexedAip['files'] = [];
    db.exec('BEGIN');
    const publicCase = insCase.run(aipId, `KS ${start}`, 'Ärende', 'Exempelby kommun', 'erms.xml').lastInsertRowid;
    const secretCase = insCase.run(aipId, `SN ${start}`, 'Ärende', 'Provsta kommun', 'erms.xml').lastInsertRowid;
    insSecrecy.run(aipId, secretCase);
    batch.forEach((m, i) => {
      const recordId = insRecord.run(aipId, m.withheld ? secretCase : publicCase, m.objectId, `Handling ${m.words}`, i % 3 === 0 ? 'Beslut' : 'Yttrande', m.date).lastInsertRowid;
      const file = `content/${start + i}.txt`;
      insDoc.run(aipId, recordId, file, `${start + i}.txt`);
      const bytes = Buffer.from(`Text om ${m.words}\n`, 'utf8');
      texts.set(file, bytes);
      files.push({ path: file, size: bytes.length, sha256: '0'.repeat(64), mimeType: 'text/plain', contentPath: file } as IndexedAip['files'][number]);
    });
    const aip = { summary: { id: aipId }, objectRoot: '', versions: [], files, events: [] } as unknown as IndexedAip;
    await access.index(db, aip, async (p) => texts.get(p)!);
    db.exec('COMMIT');
  }
}, 120_000);

afterAll(async () => {
  await archive.close();
  fs.rmSync(work, { recursive: true, force: true });
});

describe('search past the counting cap', () => {
  it('counts exactly COUNT_CAP hits as exact, one more as "more than"', () => {
    const db = archive.catalog.db;
    const exact = searchPublic(db, { q: 'gräns' }, now);
    expect([exact.total, exact.totalRelation]).toEqual([COUNT_CAP, 'eq']);
    const more = searchPublic(db, { q: 'vanlig' }, now);
    expect([more.total, more.totalRelation]).toEqual([COUNT_CAP, 'gte']);
    const browse = searchPublic(db, {}, now);
    expect([browse.total, browse.totalRelation]).toEqual([COUNT_CAP, 'gte']);
  });

  it('never counts or shows a withheld record, though they are the newest', () => {
    const db = archive.catalog.db;
    expect(searchPublic(db, { q: 'hemlig' }, now)).toMatchObject({ total: 0, totalRelation: 'eq', records: [] });
    expect(searchPublic(db, { q: 'vanlig', year: 2025 }, now).total).toBe(0);
    const first = searchPublic(db, { q: 'vanlig' }, now);
    expect(first.records[0]!.date?.slice(0, 4)).toBe('2020');
    expect(first.facets.organisation).toEqual([{ value: 'Exempelby kommun', count: COUNT_CAP }]);
  });

  it('counts the facets over the newest COUNT_CAP hits', () => {
    const db = archive.catalog.db;
    const more = searchPublic(db, { q: 'vanlig' }, now);
    // The undated records sort last, so the newest COUNT_CAP "vanlig" hits are exactly the "gräns" ones.
    expect(more.facets).toEqual(searchPublic(db, { q: 'gräns' }, now).facets);
    const sum = (xs: Array<{ count: number }>) => xs.reduce((a, b) => a + b.count, 0);
    expect(sum(more.facets.kind)).toBe(COUNT_CAP);
    expect(sum(more.facets.year)).toBe(COUNT_CAP);
    expect(more.facets.year.find((f) => f.value === '2001')).toEqual({ value: '2001', count: COUNT_CAP / 20 });
  });

  it('pages through every released hit, newest first, past the cap', () => {
    const db = archive.catalog.db;
    const seen: Array<{ objectId: string; date: string | null }> = [];
    let cursor: string | undefined;
    for (;;) {
      const page = searchPublic(db, { q: 'vanlig', limit: 100, ...(cursor ? { cursor } : {}) }, now);
      seen.push(...page.records);
      if (!page.next) break;
      cursor = page.next;
    }
    expect(seen).toHaveLength(COUNT_CAP + UNDATED);
    expect(new Set(seen.map((r) => r.objectId)).size).toBe(COUNT_CAP + UNDATED);
    for (let i = 1; i < seen.length; i++) expect(dayNumber(seen[i]!.date), seen[i]!.objectId).toBeLessThanOrEqual(dayNumber(seen[i - 1]!.date));
    expect(seen.slice(-UNDATED).every((r) => r.date === null)).toBe(true);
  });

  it('filters a year by its rids, dates of only a year included', () => {
    const result = searchPublic(archive.catalog.db, { q: 'gräns', year: 2003, limit: 100 }, now);
    const expected = content.filter((m) => !m.withheld && m.date?.startsWith('2003'));
    expect(expected.some((m) => m.date === '2003')).toBe(true);
    expect([result.total, result.totalRelation]).toEqual([expected.length, 'eq']);
    expect(result.records.every((r) => r.date?.startsWith('2003'))).toBe(true);
  });

  it('says "more than" on the page and in the JSON', () => {
    const result = searchPublic(archive.catalog.db, { q: 'vanlig' }, now);
    expect(searchJson(result)).toMatchObject({ total: COUNT_CAP, totalRelation: 'gte' });
    expect(searchPage('sv', { q: 'vanlig' }, result)).toContain('fler än 10\u00a0000 handlingar');
    expect(searchPage('en', { q: 'vanlig' }, result)).toContain('more than 10,000 records');
    expect(searchPage('sv', { q: 'gräns' }, searchPublic(archive.catalog.db, { q: 'gräns' }, now))).toContain('Sökresultat: 10\u00a0000 handlingar');
  });
});

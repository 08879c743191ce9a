/**
 * The access catalog: what the public can search and read, and what is needed to decide secrecy when
 * asked. It reads the ERMS tables of ingest's catalog extension (so it is registered after it) by name,
 * never ingest's code, plus the text of the records' documents and the archivist's decisions stored in
 * the AIP. Nothing here says "public": each case and record keeps `public_from`, the day its last
 * marking lapses ('0000-01-01' when it has none, 'never' when some marking never lapses on its own;
 * 'never' sorts after every ISO date). A query compares it with today, so time passing needs no new
 * version and no rebuild. `registration_public_from` is the same day over only the markings that withhold
 * the registration details too (diarienummer, object id, date): until then even a withheld record's or
 * case's identifiers stay hidden.
 */
import { createHash } from 'node:crypto';
import type { CatalogExtension, IndexedAip } from '@bevara/storage';
import { assessSecrecy, type Marking } from '../secrecy/assess.ts';
import { defaultProvisions, type ProvisionTable } from '../secrecy/provisions.ts';
import { MAX_TEXT_SOURCE_BYTES, preparePdfText, textKindOf } from '../search/text.ts';
import { forEachRecordText, type TextSource } from './document-text.ts';
import { DECISIONS_PATH, lastDecisions, parseDecisions, type SecrecyDecision } from './decisions.ts';
import { caseIdFor, fileIdFor, recordIdFor } from './ids.ts';
import { dayNumber, ridsOfDay } from './record-order.ts';

export type Db = Parameters<CatalogExtension['remove']>[0];

export const ALWAYS_PUBLIC = '0000-01-01';
export const NEVER = 'never';

const DDL = `
CREATE TABLE access_cases (
  id TEXT PRIMARY KEY, aip_id TEXT NOT NULL, diarienummer TEXT NOT NULL, title TEXT, organisation TEXT,
  opened_at TEXT, closed_at TEXT, public_from TEXT NOT NULL, registration_public_from TEXT NOT NULL);
CREATE INDEX access_cases_aip ON access_cases(aip_id);
CREATE INDEX access_cases_dnr ON access_cases(diarienummer);
CREATE TABLE access_records (
  rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, aip_id TEXT NOT NULL, case_id TEXT NOT NULL,
  object_id TEXT NOT NULL, diarienummer TEXT NOT NULL, title TEXT, record_type TEXT, date TEXT, year INTEGER,
  organisation TEXT, public_from TEXT NOT NULL, registration_public_from TEXT NOT NULL);
CREATE INDEX access_records_aip ON access_records(aip_id);
CREATE INDEX access_records_case ON access_records(case_id);
CREATE INDEX access_records_public ON access_records(public_from);
CREATE INDEX access_records_organisation ON access_records(organisation);
CREATE INDEX access_records_kind ON access_records(record_type);
CREATE INDEX access_records_organisation_kind ON access_records(organisation, record_type);
CREATE INDEX access_records_object ON access_records(object_id);
CREATE TABLE access_markings (
  rid INTEGER NOT NULL, aip_id TEXT NOT NULL, origin TEXT NOT NULL CHECK (origin IN ('record', 'case', 'decision')),
  ground TEXT, pending_review INTEGER NOT NULL, until TEXT, reason TEXT NOT NULL, runs_from TEXT,
  covers_registration INTEGER NOT NULL);
CREATE INDEX access_markings_rid ON access_markings(rid);
CREATE INDEX access_markings_aip ON access_markings(aip_id);
CREATE TABLE access_files (
  id TEXT PRIMARY KEY, rid INTEGER NOT NULL, aip_id TEXT NOT NULL, position INTEGER NOT NULL, path TEXT NOT NULL,
  name TEXT NOT NULL, mime_type TEXT NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL,
  search_text TEXT CHECK (search_text IN ('read', 'unreadable', 'over-limit', 'not-read', 'too-large')));
CREATE INDEX access_files_rid ON access_files(rid);
CREATE INDEX access_files_aip ON access_files(aip_id);
CREATE VIRTUAL TABLE access_fts USING fts5(
  title, diarienummer, body, tokenize = "unicode61 remove_diacritics 0", prefix = '2 3 4');
`;

interface ErmsCaseRow { id: number; diarienummer: string; title: string | null; organisation: string | null; opened_at: string | null; closed_at: string | null }
interface ErmsRecordRow { id: number; case_id: number; object_id: string; title: string | null; record_type: string | null; date: string | null }
interface ErmsSecrecyRow { case_id: number; record_id: number | null; provision: string | null; runs_from: string | null; covers_registration: number }
interface ErmsDocumentRow { record_id: number; path: string; name: string | null }

/** The access extension over a provision table; its name carries the table's digest, so a new table rebuilds the catalog. */
export function accessCatalog(table: ProvisionTable = defaultProvisions()): CatalogExtension {
  const digest = createHash('sha256').update(JSON.stringify(table)).digest('hex').slice(0, 12);
  return {
    // access/2: marking start dates and registration details withheld too (erms/2); access/3: rids in date order;
    // access/4: what became of each document's text (access_files.search_text).
    name: `access/4:${digest}`,
    ddl: DDL,
    index: (db, aip, read) => indexAip(db, aip, read, table),
    prepare: preparePdfText,
    remove(db, aipId) {
      db.prepare('DELETE FROM access_fts WHERE rowid IN (SELECT rid FROM access_records WHERE aip_id = ?)').run(aipId);
      for (const t of ['access_files', 'access_markings', 'access_records', 'access_cases']) db.prepare(`DELETE FROM ${t} WHERE aip_id = ?`).run(aipId);
    },
  };
}

async function indexAip(db: Db, aip: IndexedAip, read: (p: string) => Promise<Buffer>, table: ProvisionTable): Promise<void> {
  const aipId = aip.summary.id;
  const cases = db.prepare('SELECT id, diarienummer, title, organisation, opened_at, closed_at FROM erms_cases WHERE aip_id = ? ORDER BY id').all(aipId) as ErmsCaseRow[];
  if (cases.length === 0) return;
  const records = db.prepare('SELECT id, case_id, object_id, title, record_type, date FROM erms_records WHERE aip_id = ? ORDER BY id').all(aipId) as ErmsRecordRow[];
  const secrecy = db.prepare('SELECT case_id, record_id, provision, runs_from, covers_registration FROM erms_secrecy WHERE aip_id = ? ORDER BY id').all(aipId) as ErmsSecrecyRow[];
  const documents = db.prepare('SELECT record_id, path, name FROM erms_documents WHERE aip_id = ? ORDER BY id').all(aipId) as ErmsDocumentRow[];
  const stored = new Map(aip.files.map((f) => [f.path, f]));
  const decided = stored.has(DECISIONS_PATH) ? lastDecisions(parseDecisions(await read(DECISIONS_PATH), `${aipId}/${DECISIONS_PATH}`)) : new Map<string, SecrecyDecision>();

  const insCase = db.prepare(
    'INSERT INTO access_cases(id, aip_id, diarienummer, title, organisation, opened_at, closed_at, public_from, registration_public_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const lastRidOfDay = db.prepare('SELECT max(rid) AS rid FROM access_records WHERE rid BETWEEN ? AND ?');
  const insRecord = db.prepare(
    `INSERT INTO access_records(rid, id, aip_id, case_id, object_id, diarienummer, title, record_type, date, year, organisation, public_from, registration_public_from)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insMarking = db.prepare(
    'INSERT INTO access_markings(rid, aip_id, origin, ground, pending_review, until, reason, runs_from, covers_registration) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const toMarking = (s: ErmsSecrecyRow, on: 'case' | 'record'): Marking => ({ ground: s.provision, from: s.runs_from, on, coversRegistration: s.covers_registration === 1 });
  const insFile = db.prepare('INSERT INTO access_files(id, rid, aip_id, position, path, name, mime_type, size, sha256, search_text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const setSearchText = db.prepare('UPDATE access_files SET search_text = ? WHERE id = ?');
  const insText = db.prepare('INSERT INTO access_fts(rowid, title, diarienummer, body) VALUES (?, ?, ?, ?)');

  // Grouped once, so an AIP of many records is indexed in linear time.
  const caseMarkings = groupBy(secrecy.filter((s) => s.record_id === null), (s) => s.case_id);
  const recordMarkings = groupBy(secrecy.filter((s) => s.record_id !== null), (s) => s.record_id!);
  const documentsOf = groupBy(documents, (d) => d.record_id);
  const caseById = new Map<number, { publicId: string; row: ErmsCaseRow; markings: Marking[] }>();
  const usedCaseIds = new Set<string>();
  for (const c of cases) {
    const publicId = unique(usedCaseIds, (n) => caseIdFor(aipId, n === 0 ? c.diarienummer : `${c.diarienummer}#${n}`));
    const markings: Marking[] = (caseMarkings.get(c.id) ?? []).map((s) => toMarking(s, 'case'));
    const assessed = assessSecrecy(markings, c.opened_at, new Date(), table).markings;
    insCase.run(publicId, aipId, c.diarienummer, c.title, c.organisation, c.opened_at, c.closed_at, publicFrom(assessed), publicFrom(assessed.filter((m) => m.marking.coversRegistration)));
    caseById.set(c.id, { publicId, row: c, markings });
  }

  // Public ids in the ERMS order, as always (a repeated object id gets "#n" by it), so the URLs stay the same.
  const usedRecordIds = new Set<string>();
  const publicIds = new Map(records.filter((r) => caseById.has(r.case_id)).map((r) => [r.id, unique(usedRecordIds, (n) => recordIdFor(aipId, n === 0 ? r.object_id : `${r.object_id}#${n}`))]));
  // Indexed oldest first, so each record's rid (record-order.ts) is above the one before: FTS5 writes its
  // pending terms out whenever a rowid is not above the last one, and rowids out of order made a segment
  // per record (a 200,000-record build took minutes of merging).
  const byDay = records.map((r) => ({ r, day: dayNumber(r.date) })).sort((a, b) => a.day - b.day || a.r.id - b.r.id);
  // The last rid taken on the day being indexed: asked of the catalog once per day, then counted on.
  let current: { day: number; rid: number } | undefined;
  // Each record's FTS row, written once its documents' text has been read (document-text.ts).
  const searchable: { rid: number; title: string; registration: string; sources: TextSource[]; fileIds: string[] }[] = [];
  for (const { r, day } of byDay) {
    const kase = caseById.get(r.case_id);
    if (!kase) continue;
    const publicId = publicIds.get(r.id)!;
    const decision = decided.get(r.object_id);
    const own: Marking[] = (recordMarkings.get(r.id) ?? []).map((s) => toMarking(s, 'record'));
    const fromCase = kase.markings.map((m) => ({ ...m, origin: 'case' as const }));
    // An archivist's decision replaces the ERMS markings, except the case's that hide its registration
    // details: a decision on one record must not show the diarienummer its case still withholds.
    const markings: Array<Marking & { origin: 'record' | 'case' | 'decision' }> = decision
      ? [
          ...(decision.action === 'set' ? [{ ground: decision.ground ?? null, ...(decision.from ? { from: decision.from } : {}), on: 'record' as const, origin: 'decision' as const }] : []),
          ...fromCase.filter((m) => m.coversRegistration),
        ]
      : [...own.map((m) => ({ ...m, origin: 'record' as const })), ...fromCase];
    const assessed = assessSecrecy(markings, r.date, new Date(), table).markings;
    const year = r.date && /^\d{4}/.test(r.date) ? Number(r.date.slice(0, 4)) : null;
    // The rid says where the record sorts (see record-order.ts): the next free one of its day.
    if (current?.day !== day) {
      const [first, last] = ridsOfDay(day);
      current = { day, rid: (lastRidOfDay.get(first, last) as { rid: number | null }).rid ?? first - 1 };
    }
    const rid = ++current.rid;
    insRecord.run(
      rid, publicId, aipId, kase.publicId, r.object_id, kase.row.diarienummer, r.title, r.record_type, r.date, year, kase.row.organisation,
      publicFrom(assessed), publicFrom(assessed.filter((m) => m.marking.coversRegistration)),
    );
    assessed.forEach((m, i) => {
      insMarking.run(rid, aipId, markings[i]!.origin, m.marking.ground, m.state === 'pending-review' ? 1 : 0, m.until, m.reason, m.marking.from ?? null, m.marking.coversRegistration ? 1 : 0);
    });

    const sources: TextSource[] = [];
    const fileIds: string[] = [];
    let position = 0;
    for (const d of documentsOf.get(r.id) ?? []) {
      const file = stored.get(d.path);
      if (!file) continue;
      const name = d.name ?? d.path.slice(d.path.lastIndexOf('/') + 1);
      const fileId = fileIdFor(publicId, d.path);
      // search_text stays NULL for a format with no text reader, and is set below for a document that is read
      const kind = textKindOf(d.path, file.mimeType);
      const tooLarge = kind !== undefined && file.size > MAX_TEXT_SOURCE_BYTES;
      insFile.run(fileId, rid, aipId, position++, d.path, name, file.mimeType, file.size, file.sha256, tooLarge ? 'too-large' : null);
      if (kind === undefined || tooLarge) continue;
      sources.push({ path: d.path, kind, size: file.size });
      fileIds.push(fileId);
    }
    searchable.push({ rid, title: r.title ?? '', registration: `${kase.row.diarienummer} ${r.object_id}`, sources, fileIds });
  }
  // The rids were taken in ascending order above, so the text rows go in in rowid order too.
  await forEachRecordText(searchable, read, (s, body, outcomes) => {
    insText.run(s.rid, s.title, s.registration, body);
    outcomes.forEach((outcome, i) => setSearchText.run(outcome, s.fileIds[i]));
  });
}

/** The day every one of these markings will have lapsed: the latest `until`, 'never' when one has none. */
function publicFrom(assessed: ReadonlyArray<{ until: string | null }>): string {
  if (assessed.length === 0) return ALWAYS_PUBLIC;
  if (assessed.some((m) => m.until === null)) return NEVER;
  return assessed.map((m) => m.until!).sort().at(-1)!;
}

function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

function unique(used: Set<string>, make: (n: number) => string): string {
  for (let n = 0; ; n++) {
    const id = make(n);
    if (!used.has(id)) {
      used.add(id);
      return id;
    }
  }
}

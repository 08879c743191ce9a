/**
 * The catalog tables of ERMS content: cases (diarienummer, title, organisation, dates), their records, the
 * records' documents as AIP file paths, and secrecy markings. Filled from the ERMS XML stored in the AIP, so
 * `bevara catalog rebuild` restores all of it from storage alone.
 */
import { Readable } from 'node:stream';
import type { CatalogExtension, IndexedAip } from '@bevara/storage';
import { IngestError } from '../errors.ts';
import { parseSafeBytes } from '../xml/dom.ts';
import { readXmlSafely } from '../xml/safe.ts';
import { ermsFlavour, parseErms, type ErmsCase, type SecrecyMarking } from './parse.ts';

/** Where the submitted package lives inside an AIP (pipeline/aip-files.ts writes it there). */
export const SUBMISSION_PREFIX = 'submission/';

/** ERMS documents larger than this are not indexed (a catalog row set, not a full-text store). */
const MAX_ERMS_BYTES = 256 * 1024 * 1024;

const DDL = `
CREATE TABLE erms_cases (
  id INTEGER PRIMARY KEY, aip_id TEXT NOT NULL, diarienummer TEXT NOT NULL, system_id TEXT, title TEXT,
  organisation TEXT, opened_at TEXT, closed_at TEXT, source_path TEXT NOT NULL);
CREATE INDEX erms_cases_aip ON erms_cases(aip_id);
CREATE INDEX erms_cases_dnr ON erms_cases(diarienummer);
CREATE TABLE erms_records (
  id INTEGER PRIMARY KEY, aip_id TEXT NOT NULL, case_id INTEGER NOT NULL REFERENCES erms_cases(id),
  object_id TEXT NOT NULL, system_id TEXT, title TEXT, record_type TEXT, date TEXT);
CREATE INDEX erms_records_aip ON erms_records(aip_id);
CREATE INDEX erms_records_case ON erms_records(case_id);
CREATE TABLE erms_documents (
  id INTEGER PRIMARY KEY, aip_id TEXT NOT NULL, record_id INTEGER NOT NULL REFERENCES erms_records(id),
  path TEXT NOT NULL, name TEXT);
CREATE INDEX erms_documents_aip ON erms_documents(aip_id);
CREATE TABLE erms_secrecy (
  id INTEGER PRIMARY KEY, aip_id TEXT NOT NULL, case_id INTEGER NOT NULL REFERENCES erms_cases(id),
  record_id INTEGER REFERENCES erms_records(id),
  status TEXT NOT NULL CHECK (status IN ('withheld', 'withheld-pending-review')),
  provision TEXT, chapter INTEGER, section INTEGER, explanatory_text TEXT, type TEXT,
  runs_from TEXT, covers_registration INTEGER NOT NULL DEFAULT 0 CHECK (covers_registration IN (0, 1)));
CREATE INDEX erms_secrecy_aip ON erms_secrecy(aip_id);
`;

export const ermsCatalog: CatalogExtension = {
  // erms/2: markings carry the day they run from and whether they withhold the registration details too.
  name: 'erms/2',
  ddl: DDL,
  async index(db, aip, read) {
    for (const path of ermsCandidates(aip)) {
      const cases = await readCases(path, read);
      if (cases === undefined) continue;
      const insCase = db.prepare(
        'INSERT INTO erms_cases(aip_id, diarienummer, system_id, title, organisation, opened_at, closed_at, source_path) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      );
      const insRecord = db.prepare('INSERT INTO erms_records(aip_id, case_id, object_id, system_id, title, record_type, date) VALUES (?, ?, ?, ?, ?, ?, ?)');
      const insDoc = db.prepare('INSERT INTO erms_documents(aip_id, record_id, path, name) VALUES (?, ?, ?, ?)');
      const insSecrecy = db.prepare(
        'INSERT INTO erms_secrecy(aip_id, case_id, record_id, status, provision, chapter, section, explanatory_text, type, runs_from, covers_registration) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      );
      const secrecy = (caseId: number | bigint, recordId: number | bigint | null, m: SecrecyMarking) =>
        insSecrecy.run(
          aip.summary.id, caseId, recordId, m.status, m.provision ?? null, m.chapter ?? null, m.section ?? null, m.explanatoryText ?? null, m.type ?? null,
          m.runsFrom ?? null, m.coversRegistration ? 1 : 0,
        );
      for (const c of cases) {
        const caseId = insCase.run(aip.summary.id, c.diarienummer, c.systemId ?? null, c.title ?? null, c.organisation ?? null, c.openedAt ?? null, c.closedAt ?? null, path).lastInsertRowid;
        for (const m of c.secrecy) secrecy(caseId, null, m);
        for (const r of c.records) {
          const recordId = insRecord.run(aip.summary.id, caseId, r.objectId, r.systemId ?? null, r.title ?? null, r.recordType ?? null, r.date ?? null).lastInsertRowid;
          for (const m of r.secrecy) secrecy(caseId, recordId, m);
          for (const d of r.documents) insDoc.run(aip.summary.id, recordId, SUBMISSION_PREFIX + d.path, d.name ?? null);
        }
      }
    }
  },
  remove(db, aipId) {
    for (const t of ['erms_secrecy', 'erms_documents', 'erms_records', 'erms_cases']) db.prepare(`DELETE FROM ${t} WHERE aip_id = ?`).run(aipId);
  },
};

/** XML files of the submitted package that may be ERMS: not METS, PREMIS or bundled schemas. */
function ermsCandidates(aip: IndexedAip): string[] {
  return aip.files
    .filter((f) => f.path.startsWith(SUBMISSION_PREFIX) && f.path.toLowerCase().endsWith('.xml') && f.size <= MAX_ERMS_BYTES)
    .map((f) => f.path)
    .filter((p) => {
      const inner = p.slice(SUBMISSION_PREFIX.length);
      const base = inner.slice(inner.lastIndexOf('/') + 1).toLowerCase();
      if (base === 'mets.xml' || base === 'sip.xml' || base.startsWith('premis') || base.startsWith('receipt')) return false;
      return !/^(schemas|system|metadata\/preservation)\//i.test(inner);
    })
    .sort();
}

/** The cases of one stored file, or undefined when it is not ERMS or not safely readable. */
async function readCases(path: string, read: (logicalPath: string) => Promise<Buffer>): Promise<ErmsCase[] | undefined> {
  try {
    const bytes = await readXmlSafely(Readable.from([await read(path)]), { name: path });
    const doc = parseSafeBytes(bytes, path);
    return ermsFlavour(doc) === undefined ? undefined : parseErms(doc);
  } catch (e) {
    // Ingest only archives packages whose XML passed the same checks; anything else is not ERMS to us.
    if (e instanceof IngestError) return undefined;
    throw e;
  }
}

// ---- queries the access service and tests use ------------------------------------------------------

export interface CatalogCase {
  aipId: string;
  diarienummer: string;
  title: string | null;
  organisation: string | null;
  openedAt: string | null;
  closedAt: string | null;
}

export interface CatalogSecrecy {
  diarienummer: string;
  recordObjectId: string | null;
  status: SecrecyMarking['status'];
  provision: string | null;
  runsFrom: string | null;
  coversRegistration: boolean;
}

type Db = Parameters<CatalogExtension['remove']>[0];

export function casesOf(db: Db, aipId: string): CatalogCase[] {
  return (db.prepare('SELECT aip_id, diarienummer, title, organisation, opened_at, closed_at FROM erms_cases WHERE aip_id = ? ORDER BY id').all(aipId) as Array<Record<string, string | null>>).map((r) => ({
    aipId: r['aip_id'] as string,
    diarienummer: r['diarienummer'] as string,
    title: r['title'] ?? null,
    organisation: r['organisation'] ?? null,
    openedAt: r['opened_at'] ?? null,
    closedAt: r['closed_at'] ?? null,
  }));
}

export function secrecyOf(db: Db, aipId: string): CatalogSecrecy[] {
  return (db.prepare(
    `SELECT c.diarienummer, r.object_id, s.status, s.provision, s.runs_from, s.covers_registration FROM erms_secrecy s
       JOIN erms_cases c ON c.id = s.case_id LEFT JOIN erms_records r ON r.id = s.record_id
      WHERE s.aip_id = ? ORDER BY s.id`,
  ).all(aipId) as Array<{ diarienummer: string; object_id: string | null; status: SecrecyMarking['status']; provision: string | null; runs_from: string | null; covers_registration: number }>).map((r) => ({
    diarienummer: r.diarienummer,
    recordObjectId: r.object_id,
    status: r.status,
    provision: r.provision,
    runsFrom: r.runs_from,
    coversRegistration: r.covers_registration === 1,
  }));
}

export function documentsOf(db: Db, aipId: string): Array<{ recordObjectId: string; path: string }> {
  return db.prepare(
    'SELECT r.object_id AS recordObjectId, d.path FROM erms_documents d JOIN erms_records r ON r.id = d.record_id WHERE d.aip_id = ? ORDER BY d.id',
  ).all(aipId) as Array<{ recordObjectId: string; path: string }>;
}

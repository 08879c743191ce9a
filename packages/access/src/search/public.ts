/**
 * Everything the public may read, and nothing else: every query here filters on `public_from <= today`
 * (see catalog/extension.ts), so a withheld record never reaches a result, a snippet, a facet count or a
 * download. A withheld record is visible only as the fact that it exists, with its identifiers and date, and
 * while a marking withholds its registration details too (`registration_public_from`), only as the fact
 * that it exists: no object id, diarienummer, date or case, and it is left out of its case's list, so
 * nothing public ties it to a diarienummer.
 * The web pages, the JSON API and `bevara search` all answer from here.
 */
import type { Db } from '../catalog/extension.ts';
import { PUBLIC_ID } from '../catalog/ids.ts';
import { ridsOfYear } from '../catalog/record-order.ts';
import { AccessError } from '../errors.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { ftsQuery } from './fts-query.ts';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export interface SearchParams {
  q?: string;
  organisation?: string;
  year?: number;
  kind?: string;
  cursor?: string;
  limit?: number;
}

export interface PublicFile {
  id: string;
  name: string;
  mimeType: string;
  size: number;
  sha256: string;
}

export interface PublicRecord {
  id: string;
  objectId: string;
  diarienummer: string;
  caseId: string;
  title: string | null;
  recordType: string | null;
  date: string | null;
  organisation: string | null;
  files: PublicFile[];
}

export interface SearchHit extends PublicRecord {
  /** Text around the match with the matched words between U+0001 and U+0002; null when browsing. */
  snippet: string | null;
}

export interface FacetValue {
  value: string;
  count: number;
}

/** The most hits counted for a search's total and facets; see countHits. */
export const COUNT_CAP = 10_000;

export interface SearchResult {
  records: SearchHit[];
  next: string | null;
  /** Matching released records: exact, or COUNT_CAP when there are more ('gte'). */
  total: number;
  totalRelation: 'eq' | 'gte';
  /** Counted over the same hits as the total: the newest COUNT_CAP when there are more. */
  facets: { organisation: FacetValue[]; year: FacetValue[]; kind: FacetValue[] };
}

/** A withheld record: that it exists, and its identifiers and date unless a marking withholds those too (then null). */
export interface WithheldRecord {
  id: string;
  objectId: string | null;
  diarienummer: string | null;
  caseId: string | null;
  date: string | null;
  registrationWithheld: boolean;
}

export type RecordView = { status: 'public'; record: PublicRecord; case: CaseHeading } | { status: 'withheld'; record: WithheldRecord };

export interface CaseHeading {
  id: string;
  /** Null while a marking on the case withholds its registration details. */
  diarienummer: string | null;
  /** Null while the case itself is withheld. */
  title: string | null;
  organisation: string | null;
}

export interface CaseView {
  case: CaseHeading & { openedAt: string | null; closedAt: string | null; withheld: boolean };
  /** Records whose registration details are withheld are not listed. */
  records: Array<{ status: 'public'; record: Omit<PublicRecord, 'files'> } | { status: 'withheld'; record: WithheldRecord }>;
}

export interface FileLocation extends PublicFile {
  aipId: string;
  path: string;
  recordId: string;
}

interface RecordRow {
  rid: number;
  id: string;
  object_id: string;
  diarienummer: string;
  case_id: string;
  title: string | null;
  record_type: string | null;
  date: string | null;
  organisation: string | null;
}

/** Columns every view reads beside the record's own: is it released, are its registration details shown. */
const VISIBILITY = 'r.public_from <= @today AS released, r.registration_public_from <= @today AS registered';

interface VisibleRow extends RecordRow {
  released: number;
  registered: number;
}

export function todayOf(now: Date): string {
  return now.toISOString().slice(0, 10);
}

export function searchPublic(db: Db, params: SearchParams, now: Date): SearchResult {
  const limit = pageSize(params.limit);
  const match = params.q === undefined || params.q.trim() === '' ? null : ftsQuery(params.q);
  const empty: SearchResult = { records: [], next: null, total: 0, totalRelation: 'eq', facets: { organisation: [], year: [], kind: [] } };
  if (params.q !== undefined && params.q.trim() !== '' && match === null) return empty;
  const cursor = params.cursor ? decodeCursor(params.cursor) : null;
  // Rids are in date order (catalog/record-order.ts), so "newest first" is "rid descending". With words,
  // the conditions on the rid are written on the FTS5 rowid, so FTS5 itself walks its rows that way and
  // stops after a page; without, the table's primary key (or the organisation or kind index) does.
  const rid = match === null ? 'r.rid' : 'access_fts.rowid';
  const from = match === null ? 'access_records r' : 'access_fts JOIN access_records r ON r.rid = access_fts.rowid';
  const args: Record<string, string | number> = { today: todayOf(now) };
  const where = ['r.public_from <= @today'];
  if (match !== null) {
    where.push('access_fts MATCH @match');
    args['match'] = match;
  }
  if (params.organisation !== undefined) {
    where.push('r.organisation = @organisation');
    args['organisation'] = params.organisation;
  }
  if (params.year !== undefined) {
    if (!Number.isSafeInteger(params.year)) throw new AccessError('A-004', 'year must be a whole number', {});
    where.push('r.year = @year', `${rid} BETWEEN @yearFirst AND @yearLast`);
    [args['yearFirst'], args['yearLast']] = ridsOfYear(params.year);
    args['year'] = params.year;
  }
  if (params.kind !== undefined) {
    where.push('r.record_type = @kind');
    args['kind'] = params.kind;
  }
  // Hits are ordered newest first, never by bm25: its scores count every document, withheld ones too, so a
  // score (or an order built on one) would tell how many withheld documents contain a word.
  const hits = `FROM ${from} WHERE ${where.join(' AND ')}`;
  // snippet() reads a row's whole text; here it runs only for the rows of the page, since the walk stops
  // after them (computed over every hit before a sort, it took seconds for a common word).
  const snippet = match === null ? 'NULL' : "snippet(access_fts, -1, char(1), char(2), '…', 16)";
  const columns = `r.rid, r.id, r.object_id, r.diarienummer, r.case_id, r.title, r.record_type, r.date, r.year, r.organisation, ${snippet} AS snippet`;
  const rows = db
    .prepare(`SELECT ${columns} ${hits} ${cursor ? `AND ${rid} < @after` : ''} ORDER BY ${rid} DESC LIMIT @limit`)
    .all({ ...args, ...(cursor ? { after: cursor.r } : {}), limit: limit + 1 }) as Array<RecordRow & { snippet: string | null }>;
  const more = rows.length > limit;
  const shown = rows.slice(0, limit);
  const last = shown.at(-1);
  const counted = countHits(db, hits, rid, args);
  const files = filesOf(db, shown.map((r) => r.rid));
  return {
    records: shown.map((r) => ({ ...toRecord(r, files.get(r.rid) ?? []), snippet: r.snippet })),
    next: more && last ? encodeCursor({ r: last.rid }) : null,
    ...counted,
  };
}

/**
 * The total and the three facets in one pass over at most COUNT_CAP + 1 hits, the newest: a common word
 * matches a large part of a big catalog, and counting all of it (once per facet) took seconds. Beyond the
 * cap the total is "more than COUNT_CAP" and the facets count the newest COUNT_CAP hits.
 */
function countHits(db: Db, hits: string, rid: string, args: Record<string, string | number>): Pick<SearchResult, 'total' | 'totalRelation' | 'facets'> {
  const groups = db.prepare(
    `SELECT organisation, year, record_type AS kind, count(*) AS n, min(rid) AS oldest
       FROM (SELECT r.rid, r.organisation, r.year, r.record_type ${hits} ORDER BY ${rid} DESC LIMIT @cap)
      GROUP BY organisation, year, record_type`,
  ).all({ ...args, cap: COUNT_CAP + 1 }) as Array<{ organisation: string | null; year: number | null; kind: string | null; n: number; oldest: number }>;
  const hitsRead = groups.reduce((sum, g) => sum + g.n, 0);
  const capped = hitsRead > COUNT_CAP;
  // The hit past the cap only tells that there are more: it is the oldest one read, and not counted.
  if (capped) groups.reduce((oldest, g) => (g.oldest < oldest.oldest ? g : oldest)).n--;
  const facet = (value: (g: (typeof groups)[number]) => string | number | null): FacetValue[] => {
    const counts = new Map<string, number>();
    for (const g of groups) {
      const v = value(g);
      if (v !== null && g.n > 0) counts.set(String(v), (counts.get(String(v)) ?? 0) + g.n);
    }
    return [...counts].map(([v, count]) => ({ value: v, count })).sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  };
  return {
    total: capped ? COUNT_CAP : hitsRead,
    totalRelation: capped ? 'gte' : 'eq',
    facets: { organisation: facet((g) => g.organisation), year: facet((g) => g.year), kind: facet((g) => g.kind) },
  };
}

export function recordView(db: Db, id: string, now: Date): RecordView {
  if (!PUBLIC_ID.test(id) || !id.startsWith('r')) throw notFound('A-001', id);
  const row = db.prepare(`SELECT r.*, ${VISIBILITY} FROM access_records r WHERE r.id = @id`).get({ id, today: todayOf(now) }) as VisibleRow | undefined;
  if (!row) throw notFound('A-001', id);
  if (!row.released) return { status: 'withheld', record: withheld(row) };
  return { status: 'public', record: toRecord(row, filesOf(db, [row.rid]).get(row.rid) ?? []), case: caseHeading(db, row.case_id, now) };
}

export function caseView(db: Db, id: string, now: Date): CaseView {
  if (!PUBLIC_ID.test(id) || !id.startsWith('c')) throw notFound('A-002', id);
  const today = todayOf(now);
  const c = db.prepare(`SELECT *, ${CASE_VISIBILITY} FROM access_cases WHERE id = @id`).get({ id, today }) as CaseRow | undefined;
  if (!c) throw notFound('A-002', id);
  const rows = db.prepare(
    `SELECT r.*, ${VISIBILITY} FROM access_records r WHERE r.case_id = @id AND r.registration_public_from <= @today ORDER BY coalesce(r.date, ''), r.rid`,
  ).all({ id, today }) as VisibleRow[];
  return {
    // A withheld case shows that it exists, its diarienummer and the day it was opened (unless a marking
    // withholds those too); nothing else.
    case: c.released
      ? { ...heading(c), openedAt: c.opened_at, closedAt: c.closed_at, withheld: false }
      : { ...heading(c), organisation: null, openedAt: c.registered ? c.opened_at : null, closedAt: null, withheld: true },
    records: rows.map((r) => {
      if (!r.released) return { status: 'withheld' as const, record: withheld(r) };
      const { files: _files, ...rest } = toRecord(r, []);
      return { status: 'public' as const, record: rest };
    }),
  };
}

/** Where a released file is; A-003 for a file of a withheld record exactly as for one that does not exist. */
export function releasedFile(db: Db, id: string, now: Date): FileLocation {
  if (!PUBLIC_ID.test(id) || !id.startsWith('f')) throw notFound('A-003', id);
  const row = db.prepare(
    `SELECT f.id, f.name, f.mime_type, f.size, f.sha256, f.aip_id, f.path, r.id AS record_id
       FROM access_files f JOIN access_records r ON r.rid = f.rid
      WHERE f.id = @id AND r.public_from <= @today`,
  ).get({ id, today: todayOf(now) }) as { id: string; name: string; mime_type: string; size: number; sha256: string; aip_id: string; path: string; record_id: string } | undefined;
  if (!row) throw notFound('A-003', id);
  return { id: row.id, name: row.name, mimeType: row.mime_type, size: row.size, sha256: row.sha256, aipId: row.aip_id, path: row.path, recordId: row.record_id };
}

function notFound(code: 'A-001' | 'A-002' | 'A-003', id: string): AccessError {
  const what = code === 'A-001' ? 'record' : code === 'A-002' ? 'case' : 'file';
  return new AccessError(code, `no ${what} ${id.slice(0, 40)}`, {});
}

interface CaseRow {
  id: string;
  diarienummer: string;
  title: string | null;
  organisation: string | null;
  opened_at: string | null;
  closed_at: string | null;
  released: number;
  registered: number;
}

const CASE_VISIBILITY = 'public_from <= @today AS released, registration_public_from <= @today AS registered';

function caseHeading(db: Db, id: string, now: Date): CaseHeading {
  const c = db.prepare(`SELECT *, ${CASE_VISIBILITY} FROM access_cases WHERE id = @id`).get({ id, today: todayOf(now) }) as CaseRow | undefined;
  if (!c) throw notFound('A-002', id);
  return heading(c);
}

function heading(c: CaseRow): CaseHeading {
  return { id: c.id, diarienummer: c.registered ? c.diarienummer : null, title: c.released ? c.title : null, organisation: c.organisation };
}

function withheld(r: VisibleRow): WithheldRecord {
  if (!r.registered) return { id: r.id, objectId: null, diarienummer: null, caseId: null, date: null, registrationWithheld: true };
  return { id: r.id, objectId: r.object_id, diarienummer: r.diarienummer, caseId: r.case_id, date: r.date, registrationWithheld: false };
}

function toRecord(r: RecordRow, files: PublicFile[]): PublicRecord {
  return {
    id: r.id,
    objectId: r.object_id,
    diarienummer: r.diarienummer,
    caseId: r.case_id,
    title: r.title,
    recordType: r.record_type,
    date: r.date,
    organisation: r.organisation,
    files,
  };
}

/** Files of records the caller has already found released. */
function filesOf(db: Db, rids: number[]): Map<number, PublicFile[]> {
  const out = new Map<number, PublicFile[]>();
  if (rids.length === 0) return out;
  const rows = db.prepare(`SELECT rid, id, name, mime_type, size, sha256 FROM access_files WHERE rid IN (${rids.map(() => '?').join(',')}) ORDER BY rid, position`).all(...rids) as Array<{
    rid: number; id: string; name: string; mime_type: string; size: number; sha256: string;
  }>;
  for (const f of rows) {
    const list = out.get(f.rid) ?? [];
    list.push({ id: f.id, name: f.name, mimeType: f.mime_type, size: f.size, sha256: f.sha256 });
    out.set(f.rid, list);
  }
  return out;
}

function pageSize(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) throw new AccessError('A-004', `limit must be 1..${MAX_PAGE_SIZE}`, {});
  return limit;
}

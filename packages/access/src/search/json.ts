/**
 * The JSON shapes of the public API (`/api/v1/public/…`). `bevara search --json` prints exactly these, so
 * the command line answers what the public sees.
 */
import type { CaseView, PublicFile, PublicRecord, RecordView, SearchResult } from './public.ts';

export const API_PREFIX = '/api/v1/public';

export const recordPageUrl = (id: string): string => `/handling/${id}`;
export const casePageUrl = (id: string): string => `/arende/${id}`;
export const fileContentUrl = (id: string): string => `${API_PREFIX}/files/${id}/content`;

export interface FileJson extends PublicFile {
  url: string;
}

export interface RecordJson {
  id: string;
  objectId: string;
  diarienummer: string;
  title: string | null;
  recordType: string | null;
  date: string | null;
  organisation: string | null;
  status: 'public';
  url: string;
  case: string;
  files: FileJson[];
}

/** Identifiers, date and case are null while a marking withholds the registration details too. */
export interface WithheldJson {
  id: string;
  objectId: string | null;
  diarienummer: string | null;
  date: string | null;
  status: 'withheld';
  registrationWithheld: boolean;
  url: string;
  case: string | null;
  /** Where a request to see it (begäran om utlämnande) is posted. */
  request: string;
}

export interface SearchJson {
  records: Array<RecordJson & { snippet: string | null }>;
  next: string | null;
  total: number;
  totalRelation: SearchResult['totalRelation'];
  facets: SearchResult['facets'];
}

export function fileJson(f: PublicFile): FileJson {
  return { ...f, url: fileContentUrl(f.id) };
}

export function recordJson(r: PublicRecord): RecordJson {
  return {
    id: r.id,
    objectId: r.objectId,
    diarienummer: r.diarienummer,
    title: r.title,
    recordType: r.recordType,
    date: r.date,
    organisation: r.organisation,
    status: 'public',
    url: recordPageUrl(r.id),
    case: `${API_PREFIX}/cases/${r.caseId}`,
    files: r.files.map(fileJson),
  };
}

/** Snippets keep the matched words between « and » (plain text, no markup). */
export function searchJson(result: SearchResult): SearchJson {
  return {
    records: result.records.map((r) => ({ ...recordJson(r), snippet: r.snippet === null ? null : r.snippet.replace(/\u0001/g, '«').replace(/\u0002/g, '»') })),
    next: result.next,
    total: result.total,
    totalRelation: result.totalRelation,
    facets: result.facets,
  };
}

export function recordViewJson(view: RecordView): RecordJson | WithheldJson {
  if (view.status === 'public') return recordJson(view.record);
  const r = view.record;
  return {
    id: r.id,
    objectId: r.objectId,
    diarienummer: r.diarienummer,
    date: r.date,
    status: 'withheld',
    registrationWithheld: r.registrationWithheld,
    url: recordPageUrl(r.id),
    case: r.caseId === null ? null : `${API_PREFIX}/cases/${r.caseId}`,
    request: `${API_PREFIX}/requests`,
  };
}

export function caseJson(view: CaseView): unknown {
  const c = view.case;
  return {
    id: c.id,
    diarienummer: c.diarienummer,
    title: c.title,
    organisation: c.organisation,
    openedAt: c.openedAt,
    closedAt: c.closedAt,
    status: c.withheld ? 'withheld' : 'public',
    url: casePageUrl(c.id),
    records: view.records.map((r) =>
      r.status === 'public'
        ? { id: r.record.id, objectId: r.record.objectId, title: r.record.title, date: r.record.date, status: 'public', url: recordPageUrl(r.record.id), api: `${API_PREFIX}/records/${r.record.id}` }
        : { id: r.record.id, objectId: r.record.objectId, date: r.record.date, status: 'withheld', url: recordPageUrl(r.record.id), api: `${API_PREFIX}/records/${r.record.id}` },
    ),
  };
}

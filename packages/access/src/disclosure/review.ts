/**
 * What an archivist needs to try a request (`bevara disclose show`): each record asked for, its documents,
 * the markings as the access catalog assessed them today (origin, ground, until when, why), and what the
 * ERMS secrecy table of the package says about it. Read from the catalog, which storage can rebuild.
 */
import type { Db } from '../catalog/extension.ts';
import { DisclosureError } from './errors.ts';
import type { DisclosureRequest, RequestedRecord } from './state.ts';

export interface ReviewDocument {
  /** Public file id (f…). */
  id: string;
  /** Logical path in the AIP. */
  path: string;
  name: string;
  mimeType: string;
  size: number;
  sha256: string;
}

export interface ReviewMarking {
  origin: 'record' | 'case' | 'decision';
  ground: string | null;
  pendingReview: boolean;
  until: string | null;
  reason: string;
}

export interface ReviewRecord extends RequestedRecord {
  diarienummer: string;
  title: string | null;
  recordType: string | null;
  date: string | null;
  organisation: string | null;
  /** The day its markings lapse ('0000-01-01': none; 'never'). */
  publicFrom: string;
  markings: ReviewMarking[];
  /** The ERMS secrecy table's rows for the record and its case, as submitted. */
  secrecyTable: Array<{ on: 'record' | 'case'; status: string; provision: string | null; explanatoryText: string | null }>;
  documents: ReviewDocument[];
}

export interface RequestView {
  reference: string;
  receivedAt: string;
  channel: DisclosureRequest['channel'];
  requester: DisclosureRequest['requester'];
  message?: string;
  status: DisclosureRequest['status'];
  records: ReviewRecord[];
  decision?: DisclosureRequest['decision'];
}

export function reviewRecords(db: Db, records: readonly RequestedRecord[]): ReviewRecord[] {
  return records.map((r) => {
    const row = db.prepare(
      `SELECT rid, diarienummer, title, record_type AS recordType, date, organisation, public_from AS publicFrom
       FROM access_records WHERE id = ?`,
    ).get(r.id) as { rid: number; diarienummer: string; title: string | null; recordType: string | null; date: string | null; organisation: string | null; publicFrom: string } | undefined;
    if (!row) throw new DisclosureError('A-108', `record ${r.objectId} (${r.id}) of the request is no longer in the catalog`, { record: r.id });
    const markings = (db.prepare('SELECT origin, ground, pending_review, until, reason FROM access_markings WHERE rid = ? ORDER BY rowid').all(row.rid) as Array<{ origin: ReviewMarking['origin']; ground: string | null; pending_review: number; until: string | null; reason: string }>)
      .map((m) => ({ origin: m.origin, ground: m.ground, pendingReview: m.pending_review === 1, until: m.until, reason: m.reason }));
    const secrecyTable = (db.prepare(
      `SELECT s.record_id IS NOT NULL AS onRecord, s.status, s.provision, s.explanatory_text AS explanatoryText
       FROM erms_secrecy s JOIN erms_records e ON e.aip_id = s.aip_id AND e.case_id = s.case_id
       WHERE s.aip_id = ? AND e.object_id = ? AND (s.record_id IS NULL OR s.record_id = e.id) ORDER BY s.id`,
    ).all(r.aipId, r.objectId) as Array<{ onRecord: number; status: string; provision: string | null; explanatoryText: string | null }>)
      .map((s) => ({ on: s.onRecord ? ('record' as const) : ('case' as const), status: s.status, provision: s.provision, explanatoryText: s.explanatoryText }));
    const documents = db.prepare(
      'SELECT id, path, name, mime_type AS mimeType, size, sha256 FROM access_files WHERE rid = ? ORDER BY position',
    ).all(row.rid) as ReviewDocument[];
    const { rid: _rid, ...rest } = row;
    return { ...r, ...rest, markings, secrecyTable, documents };
  });
}

export function requestView(db: Db, request: DisclosureRequest): RequestView {
  return {
    reference: request.reference,
    receivedAt: request.receivedAt,
    channel: request.channel,
    requester: request.requester,
    ...(request.message ? { message: request.message } : {}),
    status: request.status,
    records: reviewRecords(db, request.records),
    ...(request.decision ? { decision: request.decision } : {}),
  };
}

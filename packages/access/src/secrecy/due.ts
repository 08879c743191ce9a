/**
 * What changes next (`bevara secrecy due`): withheld records whose markings lapse on a known day, soonest
 * first, and, when asked, those that never lapse on their own (no stated maximum, or a ground that awaits
 * review) with the reasons.
 */
import type { Db } from '../catalog/extension.ts';
import { todayOf } from '../search/public.ts';

export interface DueRecord {
  id: string;
  objectId: string;
  diarienummer: string;
  aipId: string;
  /** The day it becomes public, or 'never' (it needs an archivist's decision). */
  publicFrom: string;
  pendingReview: boolean;
  /** `from` is the start date the marking states (null: it runs from the record's date). */
  markings: Array<{ origin: 'record' | 'case' | 'decision'; ground: string | null; from: string | null; coversRegistration: boolean; until: string | null; reason: string }>;
}

export function secrecyDue(db: Db, now: Date, options: { includeNever?: boolean; limit?: number } = {}): DueRecord[] {
  const rows = db.prepare(
    `SELECT rid, id, object_id, diarienummer, aip_id, public_from FROM access_records
      WHERE public_from > @today ${options.includeNever ? '' : "AND public_from <> 'never'"}
      ORDER BY public_from, diarienummer, object_id LIMIT @limit`,
  ).all({ today: todayOf(now), limit: options.limit ?? -1 }) as Array<{ rid: number; id: string; object_id: string; diarienummer: string; aip_id: string; public_from: string }>;
  const markings = db.prepare('SELECT origin, ground, pending_review, until, reason, runs_from, covers_registration FROM access_markings WHERE rid = ? ORDER BY rowid');
  return rows.map((r) => {
    const ms = markings.all(r.rid) as Array<{
      origin: DueRecord['markings'][number]['origin']; ground: string | null; pending_review: number; until: string | null; reason: string; runs_from: string | null; covers_registration: number;
    }>;
    return {
      id: r.id,
      objectId: r.object_id,
      diarienummer: r.diarienummer,
      aipId: r.aip_id,
      publicFrom: r.public_from,
      pendingReview: ms.some((m) => m.pending_review === 1),
      markings: ms.map((m) => ({ origin: m.origin, ground: m.ground, from: m.runs_from, coversRegistration: m.covers_registration === 1, until: m.until, reason: m.reason })),
    };
  });
}

/**
 * An archivist's secrecy decision (`bevara secrecy set` / `clear`): a new AIP version holding the whole
 * decisions file (catalog/decisions.ts) with a PREMIS event, then an audit-log entry naming the decision.
 * The catalog row is refreshed by the version itself, so the public sees the change at once and a
 * rebuild restores it.
 */
import type { Archive } from '@bevara/storage';
import { checkDecision, DECISIONS_PATH, parseDecisions, serialiseDecisions, type SecrecyDecision } from '../catalog/decisions.ts';
import type { Db } from '../catalog/extension.ts';
import { PUBLIC_ID } from '../catalog/ids.ts';
import { AccessError } from '../errors.ts';
import { readStoredFile } from '../stored-file.ts';
import { parseCitation } from './citation.ts';

/** A decisions file is a short list; anything larger is not one Bevara wrote. */
const MAX_DECISIONS_BYTES = 4 * 1024 * 1024;

export interface DecisionInput {
  /** The record's public id (r…) or its ERMS object id ("SN 2024/0101-2"). */
  record: string;
  action: 'set' | 'clear';
  ground?: string;
  from?: string;
  reason: string;
  by: string;
}

export interface DecisionOutcome {
  aipId: string;
  version: string;
  recordId: string;
  objectId: string;
  action: 'set' | 'clear';
  ground: string | null;
  /** The record's new public_from ('0000-01-01', an ISO date or 'never'). */
  publicFrom: string;
}

export interface RecordRef {
  rid: number;
  id: string;
  aipId: string;
  objectId: string;
  /** The day its registration details (object id, diarienummer, date) may be shown ('never' sorts last). */
  registrationPublicFrom: string;
}

/** Finds one record by public id or ERMS object id: A-001 when none, A-006 when the object id is in several AIPs. */
export function findRecord(db: Db, ref: string): RecordRef {
  const columns = 'rid, id, aip_id AS aipId, object_id AS objectId, registration_public_from AS registrationPublicFrom';
  const rows = db.prepare(`SELECT ${columns} FROM access_records WHERE ${PUBLIC_ID.test(ref) ? 'id' : 'object_id'} = ?`).all(ref) as RecordRef[];
  if (rows.length === 0) throw new AccessError('A-001', `no record ${ref}`, { record: ref });
  if (rows.length > 1) throw new AccessError('A-006', `${ref} names ${rows.length} records (in ${rows.map((r) => r.aipId).join(', ')}); use the record id`, { record: ref });
  return rows[0]!;
}

export async function decideSecrecy(archive: Archive, input: DecisionInput, now: Date = new Date()): Promise<DecisionOutcome> {
  const target = findRecord(archive.catalog.db, input.record);
  const decision = checkDecision(
    { record: target.objectId, action: input.action, ground: input.ground, from: input.from, reason: input.reason, decidedAt: now.toISOString(), decidedBy: input.by },
    'the decision',
    'A-005',
  );
  if (decision.action === 'set' && !parseCitation(decision.ground)) {
    throw new AccessError('A-005', `the legal ground "${decision.ground}" cannot be read; write it as "OSL 26 kap. 1 §"`, { ground: decision.ground ?? '' });
  }
  const detail = decision.action === 'set'
    ? `secrecy set on record ${decision.record} under ${decision.ground}: ${decision.reason}`
    : `secrecy cleared on record ${decision.record}: ${decision.reason}`;
  const agentId = `archivist:${input.by}`;
  // under the write lock from reading the earlier decisions to the new version: two decisions on one AIP at once
  // (two archivists, two commands) would otherwise each write the list without the other's
  const aip = await archive.exclusive(async (locked) => {
    const earlier = await storedDecisions(archive, target.aipId);
    const written = await locked.addVersion(target.aipId, {
      files: [{ path: DECISIONS_PATH, source: serialiseDecisions([...earlier, decision]), format: { mimeType: 'application/json' } }],
      events: [{ type: 'metadata modification', dateTime: now, detail, outcome: 'success', agents: [{ id: 'bevara', role: 'executing program' }, { id: agentId, role: 'authorizer' }], objects: [DECISIONS_PATH] }],
      agents: [{ id: agentId, name: input.by, type: 'person' }],
      message: `secrecy ${decision.action} ${decision.record}`,
      user: { name: input.by },
    });
    await locked.record({
      type: 'secrecy.decided',
      subject: target.aipId,
      actor: input.by,
      data: { version: written.head, record: decision.record, action: decision.action, ...(decision.ground ? { ground: decision.ground } : {}), reason: decision.reason },
    });
    return written;
  });
  const row = archive.catalog.db.prepare('SELECT id, public_from FROM access_records WHERE aip_id = ? AND object_id = ?').get(target.aipId, target.objectId) as { id: string; public_from: string };
  return { aipId: target.aipId, version: aip.head, recordId: row.id, objectId: target.objectId, action: decision.action, ground: decision.ground ?? null, publicFrom: row.public_from };
}

async function storedDecisions(archive: Archive, aipId: string): Promise<SecrecyDecision[]> {
  if (!archive.show(aipId).files.some((f) => f.path === DECISIONS_PATH)) return [];
  const where = `${aipId}/${DECISIONS_PATH}`;
  const bytes = await readStoredFile(archive, aipId, DECISIONS_PATH, MAX_DECISIONS_BYTES, () =>
    new AccessError('A-007', `${where} is larger than ${MAX_DECISIONS_BYTES} bytes`, { path: where }));
  return parseDecisions(bytes, where);
}

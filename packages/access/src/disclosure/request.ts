/**
 * Registering a request for disclosure (begäran om utlämnande), from the public form and API or from an
 * archivist. Every record named must exist; the request is kept as state (state.ts) and its receipt is an
 * audit-log entry. The answer to the public is the reference number and nothing else.
 */
import type { Archive } from '@bevara/storage';
import { PUBLIC_ID } from '../catalog/ids.ts';
import { AccessError } from '../errors.ts';
import { todayOf } from '../search/public.ts';
import { findRecord } from '../secrecy/decide.ts';
import { DisclosureError } from './errors.ts';
import { createRequest, type DisclosureRequest, type RequestedRecord } from './state.ts';

export const MAX_RECORDS_PER_REQUEST = 100;
const MAX_NAME = 200;
const MAX_CONTACT = 254;
const MAX_MESSAGE = 4000;

export interface RequestInput {
  /** Record ids (r…) or ERMS object ids ("SN 2022/0187-1"). */
  records: readonly string[];
  channel: 'public' | 'archivist';
  /** The archivist registering it; "public" for the web. */
  by: string;
  name?: string;
  contact?: string;
  message?: string;
}

export async function registerRequest(archive: Archive, input: RequestInput, now: Date = new Date()): Promise<DisclosureRequest> {
  const refs = [...new Set(input.records.map((r) => r.trim()).filter((r) => r !== ''))];
  if (refs.length === 0) throw new DisclosureError('A-101', 'a request names at least one record', {});
  if (refs.length > MAX_RECORDS_PER_REQUEST) throw new DisclosureError('A-101', `a request names at most ${MAX_RECORDS_PER_REQUEST} records`, {});
  const name = optionalText(input.name, 'name', MAX_NAME);
  const contact = optionalText(input.contact, 'contact', MAX_CONTACT);
  const message = optionalText(input.message, 'message', MAX_MESSAGE);
  const records: RequestedRecord[] = [];
  for (const ref of refs) {
    if (ref.length > 200) throw new DisclosureError('A-101', 'a record reference is at most 200 characters', {});
    const found = findRecord(archive.catalog.db, ref);
    // From the public, an object id names only a record whose registration details are public: otherwise the
    // answer (a reference number, not A-001) would confirm an object id a marking withholds.
    if (input.channel === 'public' && !PUBLIC_ID.test(ref) && found.registrationPublicFrom > todayOf(now)) {
      throw new AccessError('A-001', `no record ${ref}`, { record: ref });
    }
    if (!records.some((r) => r.id === found.id)) records.push({ id: found.id, objectId: found.objectId, aipId: found.aipId });
  }
  const request = createRequest(archive, {
    receivedAt: now.toISOString(),
    channel: input.channel,
    registeredBy: input.by,
    requester: { ...(name ? { name } : {}), ...(contact ? { contact } : {}) },
    ...(message ? { message } : {}),
    records,
  });
  // The audit log names the records, never the requester: who asks is nobody's business (TF 2 kap. 18 §).
  await archive.record({
    type: 'disclosure.requested',
    subject: request.reference,
    actor: input.by,
    data: { channel: input.channel, records: records.map((r) => r.objectId).join(', ') },
  });
  return request;
}

function optionalText(value: string | undefined, what: string, max: number): string | undefined {
  if (value === undefined) return undefined;
  const t = value.trim();
  if (t.length > max) throw new DisclosureError('A-101', `${what} is at most ${max} characters`, { field: what });
  // Control characters other than line breaks have no place in a name, an address or a message.
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(t)) throw new DisclosureError('A-101', `${what} contains control characters`, { field: what });
  return t === '' ? undefined : t;
}

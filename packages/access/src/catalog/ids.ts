/**
 * Public identifiers of cases, records and files: derived from the AIP id and the ERMS identifiers, so
 * they are the same after `bevara catalog rebuild` and in every copy of the catalog, and they say nothing
 * about the content (a diarienummer is not unique across organisations; a hash of it with the AIP is).
 */
import { createHash } from 'node:crypto';

function digest(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000'), 'utf8').digest('hex').slice(0, 20);
}

export const caseIdFor = (aipId: string, diarienummer: string): string => `c${digest('case', aipId, diarienummer)}`;
export const recordIdFor = (aipId: string, objectId: string): string => `r${digest('record', aipId, objectId)}`;
export const fileIdFor = (recordId: string, path: string): string => `f${digest('file', recordId, path)}`;

/** The shape of every public id: a letter and 20 lower-case hex digits. */
export const PUBLIC_ID = /^[crf][0-9a-f]{20}$/;

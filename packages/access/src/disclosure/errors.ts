/**
 * Failures of disclosure (utlämnande), in the access package's A- range (A-1xx, apart from the public
 * access codes A-0xx). Codes are only appended, never renumbered or reused.
 */
import { BevaraError, type ErrorSpec } from '@bevara/storage';

export const DISCLOSURE_ERRORS = {
  'A-101': { title: 'invalid disclosure request', http: 400, exit: 2 },
  'A-102': { title: 'no such disclosure request', http: 404, exit: 2 },
  'A-103': { title: 'invalid disclosure decision', http: 400, exit: 2 },
  'A-104': { title: 'an archivist token is required', http: 401, exit: 2 },
  'A-105': { title: 'the token is not an archivist\'s', http: 403, exit: 2 },
  'A-106': { title: 'too many requests; try again later', http: 429, exit: 2, retry: true },
  'A-107': { title: 'the request has no decision yet', http: 409, exit: 2 },
  'A-108': { title: 'stored disclosure state is unreadable', http: 500, exit: 1 },
  'A-109': { title: 'a document cannot be masked as asked', http: 422, exit: 2 },
  'A-110': { title: 'the request has been decided already', http: 409, exit: 2 },
  'A-111': { title: 'the output file exists already', http: 409, exit: 2 },
} as const satisfies Record<string, ErrorSpec>;

export type DisclosureCode = keyof typeof DISCLOSURE_ERRORS;

export class DisclosureError extends BevaraError<DisclosureCode> {}

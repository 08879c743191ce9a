/**
 * Failures of the access layer. Codes are only appended, never renumbered or reused. A withheld record's
 * file answers exactly like a file that does not exist, so an error never tells secrecy apart
 * from absence.
 */
import { BevaraError, type ErrorSpec } from '@bevara/storage';

export const ACCESS_ERRORS = {
  'A-001': { title: 'record not found', http: 404, exit: 2 },
  'A-002': { title: 'case not found', http: 404, exit: 2 },
  'A-003': { title: 'file not found', http: 404, exit: 2 },
  'A-004': { title: 'invalid search query, filter or cursor', http: 400, exit: 2 },
  'A-005': { title: 'invalid secrecy decision', http: 400, exit: 2 },
  'A-006': { title: 'record identifier matches more than one record', http: 409, exit: 2 },
  'A-007': { title: 'stored secrecy decisions are unreadable', http: 500, exit: 1 },
} as const satisfies Record<string, ErrorSpec>;

export type AccessCode = keyof typeof ACCESS_ERRORS;

export class AccessError extends BevaraError<AccessCode> {}

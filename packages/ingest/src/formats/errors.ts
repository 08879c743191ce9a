import { BevaraError, type ErrorSpec } from '@bevara/storage';

/**
 * Failures of format identification. They are kept in their own small table until the ingest
 * error table (`src/errors.ts`) takes them over; the codes are stable and only appended.
 * Findings about a file's format (outside the policy) are not failures: they are returned by
 * `checkFormat` and reported as validation results.
 */
export const FORMAT_ERRORS = {
  'I-F01': { title: 'format signature file missing or malformed', http: 500, exit: 2 },
  'I-F02': { title: 'file could not be read for format identification', http: 500, exit: 2 },
  'I-F03': { title: 'format policy malformed', http: 400, exit: 2 },
} as const satisfies Record<string, ErrorSpec>;

export type FormatErrorCode = keyof typeof FORMAT_ERRORS;

export class FormatError extends BevaraError<FormatErrorCode> {}

/**
 * Failures of the ingest layer: the package cannot be read at all, or reading it would be unsafe.
 * Findings about a readable package are not errors; they are collected as report results.
 * Codes are only appended, never renumbered or reused (a retired code stays listed with `retired: true`).
 */
import { BevaraError, isNoSpaceError, STORAGE_ERRORS, type ErrorSpec } from '@bevara/storage';

export const INGEST_ERRORS = {
  'I-001': { title: 'package not found', http: 404, exit: 2 },
  'I-002': { title: 'unsupported package container', http: 415, exit: 2 },
  'I-003': { title: 'archive truncated or corrupt', http: 422, exit: 1 },
  'I-004': { title: 'entry path escapes the package (.. or absolute)', http: 422, exit: 1 },
  'I-005': { title: 'symbolic or hard link in package', http: 422, exit: 1 },
  'I-006': { title: 'duplicate entry in package', http: 422, exit: 1 },
  'I-007': { title: 'entry name is not valid UTF-8', http: 422, exit: 1 },
  'I-008': { title: 'archive exceeds size, ratio or entry-count limit (possible bomb)', http: 413, exit: 1 },
  'I-009': { title: 'XML declares a DOCTYPE (entities are refused)', http: 422, exit: 1 },
  'I-010': { title: 'XML exceeds size or depth limit', http: 413, exit: 1 },
  'I-011': { title: 'XML is not well-formed', http: 422, exit: 1 },
  'I-012': { title: 'bundled schema missing or unreadable', http: 500, exit: 2 },
  'I-013': { title: 'entry not in package', http: 404, exit: 2 },
  'I-014': { title: 'entry name unusable on this system', http: 422, exit: 1 },
  'I-015': { title: 'unknown profile version requested', http: 400, exit: 2 },
  'I-016': { title: 'package already archived with other content; the agreement does not allow updates', http: 409, exit: 1 },
  'I-017': { title: 'unknown submission agreement', http: 404, exit: 2 },
  'I-018': { title: 'missing or invalid submission token', http: 401, exit: 2 },
  'I-019': { title: 'the token is not valid for this submission agreement', http: 403, exit: 2 },
  'I-020': { title: 'upload exceeds the size limit', http: 413, exit: 2 },
  'I-021': { title: 'upload incomplete (connection closed, cut off or too slow)', http: 400, exit: 2 },
  'I-022': { title: 'too many submissions in progress', http: 503, exit: 2, retry: true },
  'I-023': { title: 'submission not found', http: 404, exit: 2 },
  'I-024': { title: 'agreement already exists', http: 409, exit: 2 },
  'I-025': { title: 'invalid agreement, token or submission input', http: 400, exit: 2 },
  'I-026': { title: 'ingest state in the archive folder is unreadable', http: 500, exit: 2 },
  'I-027': { title: "the package names a submission agreement other than the token's", http: 403, exit: 1 },
  'I-028': { title: 'unexpected error during ingest (a defect; the server log has its trace)', http: 500, exit: 2 },
  'I-029': { title: 'the upload was lost before it was decided (the archive stopped); send it again', http: 500, exit: 2, retry: true },
  'I-030': { title: 'the drop folder is watched by another process', http: 409, exit: 2, retry: true },
} as const satisfies Record<string, ErrorSpec>;

export type IngestCode = keyof typeof INGEST_ERRORS;

export class IngestError extends BevaraError<IngestCode> {}

/**
 * Whether an ingest that failed with this code may pass when the package is tried again (a full disk, a store or
 * lock busy, a version conflict); ingest fails with its own codes and storage's.
 */
export function isRetryable(code: string): boolean {
  const spec: ErrorSpec | undefined = (INGEST_ERRORS as Record<string, ErrorSpec>)[code] ?? (STORAGE_ERRORS as Record<string, ErrorSpec>)[code];
  return spec?.retry === true;
}

/** What an ingest failed with, as a submission records it: Bevara's own code, S-025 for a full disk, else I-028. */
export function failureOf(e: unknown): { code: string; message: string } {
  if (e instanceof BevaraError) return { code: e.code, message: e.message };
  if (isNoSpaceError(e)) return { code: 'S-025', message: `no space left on the archive's disk: ${(e as Error).message}` };
  return { code: 'I-028', message: 'unexpected error during ingest' };
}

import type { ErrorSpec } from '@bevara/storage';

/** Failures of the command line itself (arguments, the archive's whereabouts). */
export const CLI_ERRORS = {
  'C-001': { title: 'invalid command-line usage', http: 400, exit: 2 },
  'C-002': { title: 'no archive given', http: 400, exit: 2 },
  'C-003': { title: 'unexpected internal error', http: 500, exit: 2 },
  'C-004': { title: 'file not found or unreadable', http: 400, exit: 2 },
  'C-005': { title: 'no such route', http: 404, exit: 2 },
  'C-006': { title: 'the server cannot listen on the address and port given', http: 500, exit: 2, retry: true },
} as const satisfies Record<string, ErrorSpec>;

export type CliCode = keyof typeof CLI_ERRORS;

import { ACCESS_ERRORS, DISCLOSURE_ERRORS } from '@bevara/access';
import { FORMAT_ERRORS, GENERATOR_ERRORS, INGEST_ERRORS } from '@bevara/ingest';
import { STORAGE_ERRORS, type ErrorSpec } from '@bevara/storage';
import { CLI_ERRORS } from './errors.ts';

/** Every package's error table, gathered for exit codes and docs/errors.md. */
export const ERROR_TABLES: Record<string, Readonly<Record<string, ErrorSpec>>> = {
  storage: STORAGE_ERRORS,
  ingest: INGEST_ERRORS,
  formats: FORMAT_ERRORS,
  generator: GENERATOR_ERRORS,
  access: ACCESS_ERRORS,
  disclosure: DISCLOSURE_ERRORS,
  cli: CLI_ERRORS,
};

export function specFor(code: string): ErrorSpec | undefined {
  for (const table of Object.values(ERROR_TABLES)) if (code in table) return table[code];
  return undefined;
}

export function exitCodeFor(code: string): 1 | 2 {
  return specFor(code)?.exit ?? 2;
}

import { BevaraError } from '@bevara/storage';

/**
 * Failures of the test-package generator (test tooling, not the ingest pipeline, so it keeps its
 * own small table; codes are only appended).
 */
export const GENERATOR_ERRORS = {
  'G-001': { title: 'invalid generator option', http: 400, exit: 2 },
  'G-002': { title: 'reference schemas not found', http: 500, exit: 2 },
  'G-003': { title: 'output path already exists', http: 409, exit: 2 },
  'G-004': { title: 'unknown hostile package kind', http: 400, exit: 2 },
} as const;

export type GeneratorCode = keyof typeof GENERATOR_ERRORS;

export class GeneratorError extends BevaraError<GeneratorCode> {}

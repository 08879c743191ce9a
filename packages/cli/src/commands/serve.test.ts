import { DEFAULT_SUBMISSION_LIMITS } from '@bevara/ingest';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from './serve.ts';

describe('bevara serve', () => {
  it('offers ingest\'s default upload limits (written out so that parsing the command line does not load ingest)', () => {
    expect(DEFAULT_LIMITS).toEqual(DEFAULT_SUBMISSION_LIMITS);
  });
});

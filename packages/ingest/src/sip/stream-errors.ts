/** Gives errors raised while streaming a container entry a stable ingest code instead of a library message. */
import { PassThrough, type Readable } from 'node:stream';
import { IngestError, type IngestCode } from '../errors.ts';

export function withCode(source: Readable, code: IngestCode, path: string): Readable {
  const out = new PassThrough();
  source.on('error', (err) => {
    out.destroy(err instanceof IngestError ? err : new IngestError(code, `cannot read ${path}`, { path }, { cause: err }));
  });
  out.on('close', () => {
    if (!source.destroyed) source.destroy();
  });
  source.pipe(out);
  return out;
}

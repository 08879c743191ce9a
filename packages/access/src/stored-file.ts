/**
 * A small stored file read whole (a decision list, a PDF to mask), with the caller's own error when it is larger
 * than the caller allows (storage says S-026).
 */
import { isBevaraError, type Archive } from '@bevara/storage';

export async function readStoredFile(archive: Archive, aipId: string, logicalPath: string, max: number, tooLarge: () => Error): Promise<Buffer> {
  return archive.readFile(aipId, logicalPath, max).catch((e: unknown) => {
    throw isBevaraError(e, 'S-026') ? tooLarge() : e;
  });
}

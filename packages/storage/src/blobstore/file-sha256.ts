/**
 * The SHA-256 of one local file, computed on a hash worker (hash-pool.ts): the caller's thread stays free for the
 * work that goes on meanwhile (ingest digests a submitted package file while it validates and stores it).
 */
import { errnoError, hashFiles, type FileDigest } from './hash-pool.ts';

export async function sha256OfFile(file: string): Promise<{ size: number; sha256: string }> {
  const [result] = (await hashFiles([file])) as [FileDigest];
  if ('error' in result) throw errnoError(result);
  return result;
}

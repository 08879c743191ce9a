/**
 * The SHA-256 of one local file, computed on a hash worker (hash-pool.ts): the caller's thread stays free for the
 * work that goes on meanwhile (ingest digests a submitted package file while it validates and stores it).
 */
import { hashFiles } from './hash-pool.ts';

export async function sha256OfFile(file: string): Promise<{ size: number; sha256: string }> {
  const [result] = await hashFiles([file]);
  if (result === undefined) throw new Error(`no digest came back for ${file}`);
  if ('error' in result) throw Object.assign(new Error(`reading ${file}: ${result.message}`), { code: result.error });
  return result;
}

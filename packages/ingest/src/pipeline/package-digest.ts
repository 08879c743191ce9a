/**
 * The SHA-256 that identifies a submitted package together with its OBJID (idempotency, the receipt). For a zip
 * or tar file it is the file's own digest (`sha256sum PKG`); for a folder, the digest of the `sha256sum`-style
 * manifest of its files in path order (`find . -type f | sort | xargs sha256sum`, paths relative to the root folder),
 * so both can be recomputed with stock tools. A folder's manifest is made from the digests of ingest's file pass.
 */
import { createHash } from 'node:crypto';
import { sha256OfFile } from '@bevara/storage';

/** On one of storage's hash worker threads: the ingest's own thread goes on validating and storing meanwhile. */
export async function fileSha256(path: string): Promise<string> {
  return (await sha256OfFile(path)).sha256;
}

/** A package file's digest, computed while the ingest goes on; `known` once it has come. */
export class PendingDigest {
  known: string | undefined;
  readonly result: Promise<string>;

  constructor(path: string) {
    this.result = fileSha256(path).then((sha) => (this.known = sha));
    // awaited where a receipt or the repeat check needs it; until then a failure must not count as unhandled
    this.result.catch(() => undefined);
  }
}

/**
 * A copy of `files` in package path order: UTF-16 order, the same as byte order (`sort` in the C locale) except
 * between U+E000–U+FFFF and characters beyond U+FFFF.
 */
export function sortedByPath<T extends { path: string }>(files: readonly T[]): T[] {
  return [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The folder digest from every file's SHA-256 (package paths). */
export function manifestSha256(files: readonly { path: string; sha256: string }[]): string {
  const manifest = createHash('sha256');
  for (const f of sortedByPath(files)) manifest.update(`${f.sha256}  ./${f.path}\n`);
  return manifest.digest('hex');
}

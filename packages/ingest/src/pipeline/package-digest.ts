/**
 * The SHA-256 that identifies a submitted package together with its OBJID (idempotency, the receipt). For a zip
 * or tar file it is the file's own digest (`sha256sum PKG`); for a folder, the digest of the `sha256sum`-style
 * manifest of its files in path order (`find . -type f | sort | xargs sha256sum`, paths relative to the root folder),
 * so both can be recomputed with stock tools.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { IngestError } from '../errors.ts';
import type { PackageView } from '../sip/types.ts';

export async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

export async function packageSha256(path: string, view: PackageView): Promise<string> {
  const st = await stat(path).catch((cause: unknown) => {
    throw new IngestError('I-001', 'package not found', { path }, { cause });
  });
  if (st.isFile()) return fileSha256(path);
  const manifest = createHash('sha256');
  const files = view.entries.filter((e) => e.type === 'file').map((e) => e.path).sort();
  for (const file of files) {
    const hash = createHash('sha256');
    await pipeline(await view.open(file), hash);
    manifest.update(`${hash.digest('hex')}  ./${file}\n`);
  }
  return manifest.digest('hex');
}

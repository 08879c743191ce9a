import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import { createNewFile } from '@bevara/storage';
import { openContent, contentInfo } from './content.ts';
import { GeneratorError } from './errors.ts';
import type { PackageSpec } from './types.ts';

/**
 * Writers for a package spec. Each streams file by file (a gigabyte file passes through in chunks),
 * writes to a temporary name beside the target and renames at the end, so a failed write leaves
 * nothing behind. Containers hold the single root folder `spec.rootName/` (CSIPSTR1).
 */

async function refuseExisting(path: string): Promise<void> {
  const exists = await stat(path).then(
    () => true,
    () => false,
  );
  if (exists) throw new GeneratorError('G-003', `${path} already exists`, { path });
}

function tempBeside(path: string): string {
  return join(dirname(path), `.${Date.now()}-${process.pid}-${Math.random().toString(36).slice(2)}.partial`);
}

/** Writes the package as `parentDir/<rootName>/…` and returns that root folder's path. */
export async function writeFolder(spec: PackageSpec, parentDir: string): Promise<string> {
  const root = join(parentDir, spec.rootName);
  await refuseExisting(root);
  await mkdir(parentDir, { recursive: true });
  const temp = tempBeside(root);
  try {
    for (const f of spec.files) {
      const target = join(temp, ...f.path.split('/'));
      await mkdir(dirname(target), { recursive: true });
      const source = openContent(f.content);
      const out = await createNewFile(target).catch((e: unknown) => {
        source.destroy();
        throw e;
      });
      await pipeline(source, out);
    }
    await rename(temp, root);
  } catch (e) {
    await rm(temp, { recursive: true, force: true });
    throw e;
  }
  return root;
}

/** Writes the package as a zip (deflated, zip64 only where sizes need it). */
export async function writeZip(spec: PackageSpec, file: string): Promise<void> {
  await refuseExisting(file);
  const temp = tempBeside(file);
  const zip = new ZipFile();
  const mtime = new Date(`${spec.truth.createdAt}Z`);
  const written = pipeline(zip.outputStream, await createNewFile(temp));
  for (const f of spec.files) {
    const { size } = contentInfo(f.content);
    // Lazy streams: yazl opens each file only when it is its turn, so memory stays bounded.
    zip.addReadStreamLazy(`${spec.rootName}/${f.path}`, { mtime, size, compress: f.content.kind !== 'stream' }, (cb) => cb(null, openContent(f.content)));
  }
  zip.end();
  try {
    await written;
    await rename(temp, file);
  } catch (e) {
    await rm(temp, { force: true });
    throw e;
  }
}

/** Writes the package as an uncompressed POSIX tar. */
export async function writeTar(spec: PackageSpec, file: string): Promise<void> {
  await refuseExisting(file);
  const temp = tempBeside(file);
  // loaded when a tar is written: every command that loads the generator would pay for it otherwise
  const tar = (await import('tar-stream')).pack();
  const mtime = new Date(`${spec.truth.createdAt}Z`);
  const written = pipeline(tar, await createNewFile(temp));
  try {
    for (const f of spec.files) {
      const { size } = contentInfo(f.content);
      const entry = tar.entry({ name: `${spec.rootName}/${f.path}`, size, mtime, mode: 0o644 });
      await pipeline(openContent(f.content), entry);
    }
    tar.finalize();
    await written;
    await rename(temp, file);
  } catch (e) {
    tar.destroy();
    await written.catch(() => undefined);
    await rm(temp, { force: true });
    throw e;
  }
}

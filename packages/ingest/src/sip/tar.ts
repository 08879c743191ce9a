/**
 * Opens a tar (optionally gzip-compressed) package. tar has no index, so it is extracted once into a private
 * staging folder, judging every header before its body is written; links of any kind are refused, and files are
 * created exclusively so that nothing outside the staging folder can be touched. `close()` removes the folder.
 */
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { BevaraError, createNewFile, isNoSpaceError } from '@bevara/storage';
import { IngestError } from '../errors.ts';
import { buildEntryTable, type RawEntry } from './index-builder.ts';
import { openDiskFile } from './whole-read.ts';
import { decodeEntryName, safeEntryPath } from './names.ts';
import type { PackageView, ReadLimits } from './types.ts';

export async function openTar(file: string, gzipped: boolean, staging: string, limits: ReadLimits): Promise<PackageView> {
  await mkdir(staging, { recursive: true });
  const dir = await mkdtemp(join(staging, 'bevara-tar-'));
  try {
    const raw = await extract(file, gzipped, dir, limits);
    const table = buildEntryTable(raw, basename(file).replace(/\.(tar|tgz|tar\.gz)$/i, ''), limits, true);
    return {
      kind: 'tar',
      rootName: table.rootName,
      singleRoot: table.singleRoot,
      entries: table.entries,
      has: (p) => table.byPath.has(p),
      entry: (p) => table.byPath.get(p),
      async open(path: string): Promise<Readable> {
        const e = table.byPath.get(path);
        if (e?.type !== 'file') throw new IngestError('I-013', 'entry not in package', { path });
        return openDiskFile(join(dir, ...(table.prefix + path).split('/')), e.size);
      },
      async close() {
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

async function extract(file: string, gzipped: boolean, dir: string, limits: ReadLimits): Promise<RawEntry[]> {
  const raw: RawEntry[] = [];
  const seen = new Set<string>();
  let total = 0;
  const compressedSize = (await stat(file)).size;
  // 'latin1' keeps each name byte as one char, so the bytes can be checked for UTF-8 validity ourselves.
  const extractor = tar.extract({ filenameEncoding: 'latin1' } as Parameters<typeof tar.extract>[0]);
  // The entry being written: a failure waits for it to settle, so that the caller's removal of `dir` cannot run
  // before this handler's mkdir or create and leave a file behind.
  let writing: Promise<void> = Promise.resolve();
  extractor.on('entry', (header, stream, next) => {
    writing = (async () => {
      const name = entryName(header as tar.Header & { pax?: Record<string, string> });
      const path = safeEntryPath(name);
      if (header.type === 'symlink' || header.type === 'link') {
        throw new IngestError('I-005', 'link in tar archive', { path });
      }
      if (header.type === 'directory') {
        raw.push({ path, type: 'directory', size: 0 });
        await mkdir(join(dir, ...path.split('/')), { recursive: true });
        stream.resume();
        return;
      }
      if (header.type !== 'file' && header.type !== 'contiguous-file') {
        throw new IngestError('I-014', 'tar entry is not a regular file or folder', { path, type: String(header.type) });
      }
      if (seen.has(path)) throw new IngestError('I-006', 'duplicate entry in tar', { path });
      seen.add(path);
      const size = header.size ?? 0;
      total += size;
      if (total > limits.maxTotalBytes) {
        throw new IngestError('I-008', 'tar exceeds the total size limit', { limit: limits.maxTotalBytes });
      }
      if (gzipped && total > limits.ratioFloorBytes && total / Math.max(1, compressedSize) > limits.maxRatio) {
        throw new IngestError('I-008', 'compressed tar expands beyond the ratio limit', { limit: limits.maxRatio });
      }
      if (raw.length >= limits.maxEntries) {
        throw new IngestError('I-008', 'tar has too many entries', { limit: limits.maxEntries });
      }
      raw.push({ path, type: 'file', size });
      const target = join(dir, ...path.split('/'));
      await mkdir(dirname(target), { recursive: true });
      await pipeline(stream, await createNewFile(target));
    })().then(
      () => next(),
      (err: unknown) => void extractor.destroy(err instanceof Error ? err : new Error(String(err))),
    );
  });
  try {
    if (gzipped) await pipeline(createReadStream(file), createGunzip(), extractor);
    else await pipeline(createReadStream(file), extractor);
  } catch (err) {
    // destroying the extractor destroyed the entry's stream too: the handler ends
    await writing;
    if (err instanceof IngestError) throw err;
    // A failure of our own disk is not a fault of the package: it must not become a rejection.
    if (isNoSpaceError(err)) {
      throw new BevaraError('S-025', `no space left in staging while unpacking ${basename(file)}`, { file: basename(file) }, { cause: err });
    }
    // other failures of a system call (EACCES, EIO) are ours too; stream and format errors are the package's
    if (typeof (err as NodeJS.ErrnoException | undefined)?.syscall === 'string') throw err;
    throw new IngestError('I-003', 'tar archive is truncated or corrupt', { file: basename(file) }, { cause: err });
  }
  return raw;
}

/**
 * A PAX 'path' record is already decoded as UTF-8 by tar-stream (invalid bytes become U+FFFD, which is refused);
 * a classic header name arrives as latin1 and is checked byte by byte.
 */
function entryName(header: tar.Header & { pax?: Record<string, string> }): string {
  const paxPath = header.pax?.path;
  if (paxPath !== undefined) {
    if (paxPath.includes('\uFFFD')) {
      throw new IngestError('I-007', 'entry name is not valid UTF-8', { name: Buffer.from(paxPath).toString('hex') });
    }
    return paxPath;
  }
  return decodeEntryName(Buffer.from(header.name, 'latin1'));
}

/**
 * Opens a zip package with yauzl: the central directory is read once, every name is judged before any entry
 * is decompressed, and entries are then streamed on demand (random access, no extraction). The archive is read in
 * blocks (zip-blocks.ts): the directory, and small entries whole; large entries are streamed by yauzl.
 */
import { open as openFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { IngestError } from '../errors.ts';
import { buildEntryTable, type RawEntry } from './index-builder.ts';
import { decodeEntryName, safeEntryPath } from './names.ts';
import { withCode } from './stream-errors.ts';
import type { PackageView, ReadLimits } from './types.ts';
import { bufferStream } from './whole-read.ts';
import { ArchiveBlocks, BlockReader, isSmallEntry, readSmallEntry } from './zip-blocks.ts';

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

export async function openZip(file: string, limits: ReadLimits): Promise<PackageView> {
  const fh = await openFile(file, 'r');
  let zip: yauzl.ZipFile | undefined;
  try {
    const size = (await fh.stat()).size;
    const blocks = new ArchiveBlocks(fh, size);
    const z = (zip = await new Promise<yauzl.ZipFile>((resolve, reject) => {
      yauzl.fromRandomAccessReader(
        new BlockReader(blocks, fh),
        size,
        { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true },
        (err, opened) => (err || !opened ? reject(corrupt(file, err)) : resolve(opened)),
      );
    }));
    const byPath = new Map<string, yauzl.Entry>();
    const raw = await readCentralDirectory(z, limits, byPath);
    const table = buildEntryTable(raw, basename(file, extname(file)), limits, true);
    return {
      kind: 'zip',
      rootName: table.rootName,
      singleRoot: table.singleRoot,
      entries: table.entries,
      has: (p) => table.byPath.has(p),
      entry: (p) => table.byPath.get(p),
      open(path: string): Promise<Readable> {
        const e = byPath.get(table.prefix + path);
        if (e === undefined || table.byPath.get(path)?.type !== 'file') {
          return Promise.reject(new IngestError('I-013', 'entry not in package', { path }));
        }
        if (isSmallEntry(e)) {
          return readSmallEntry(blocks, e).then(bufferStream, (err: unknown) => Promise.reject(corrupt(file, err)));
        }
        return new Promise((resolve, reject) => {
          z.openReadStream(e, (err, stream) =>
            err || !stream ? reject(corrupt(file, err)) : resolve(withCode(stream, 'I-003', path)),
          );
        });
      },
      async close() {
        z.close();
        await fh.close();
      },
    };
  } catch (err) {
    zip?.close();
    await fh.close();
    throw err;
  }
}

function readCentralDirectory(
  zip: yauzl.ZipFile,
  limits: ReadLimits,
  byPath: Map<string, yauzl.Entry>,
): Promise<RawEntry[]> {
  const raw: RawEntry[] = [];
  let total = 0;
  return new Promise((resolve, reject) => {
    zip.on('error', (err) => reject(corrupt('zip', err)));
    zip.on('end', () => resolve(raw));
    zip.on('entry', (e: yauzl.Entry) => {
      try {
        const name = decodeEntryName(e.fileName as unknown as Buffer);
        const path = safeEntryPath(name);
        const mode = (e.externalFileAttributes >>> 16) & S_IFMT;
        if (mode === S_IFLNK) throw new IngestError('I-005', 'symbolic link in zip', { path });
        const isDir = name.endsWith('/');
        if (!isDir) {
          total += e.uncompressedSize;
          if (total > limits.maxTotalBytes) {
            throw new IngestError('I-008', 'zip exceeds the total size limit', { limit: limits.maxTotalBytes });
          }
          if (
            e.uncompressedSize > limits.ratioFloorBytes &&
            e.uncompressedSize / Math.max(1, e.compressedSize) > limits.maxRatio
          ) {
            throw new IngestError('I-008', 'zip entry compression ratio exceeds the limit', {
              path,
              ratio: Math.round(e.uncompressedSize / Math.max(1, e.compressedSize)),
              limit: limits.maxRatio,
            });
          }
          if (byPath.has(path)) throw new IngestError('I-006', 'duplicate entry in zip', { path });
          byPath.set(path, e);
        }
        raw.push({ path, type: isDir ? 'directory' : 'file', size: isDir ? 0 : e.uncompressedSize });
        if (raw.length > limits.maxEntries) {
          throw new IngestError('I-008', 'zip has too many entries', { limit: limits.maxEntries });
        }
        zip.readEntry();
      } catch (err) {
        reject(err);
      }
    });
    zip.readEntry();
  });
}

function corrupt(file: string, cause: unknown): IngestError {
  if (cause instanceof IngestError) return cause;
  return new IngestError('I-003', 'zip archive is truncated or corrupt', { file: basename(file) }, { cause });
}

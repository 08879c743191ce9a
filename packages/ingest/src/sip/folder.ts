/** Opens a package given as a folder on disk. Symbolic links anywhere in it are refused (I-005). */
import { lstat, readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Readable } from 'node:stream';
import { IngestError } from '../errors.ts';
import { buildEntryTable, type RawEntry } from './index-builder.ts';
import { openDiskFile } from './whole-read.ts';
import { decodeEntryName, safeEntryPath } from './names.ts';
import type { PackageView, ReadLimits } from './types.ts';

export async function openFolder(dir: string, limits: ReadLimits): Promise<PackageView> {
  const raw: RawEntry[] = [];
  await walk(dir, '', raw, limits);
  const table = buildEntryTable(raw, basename(dir), limits, false);
  return {
    kind: 'folder',
    rootName: table.rootName,
    singleRoot: true,
    entries: table.entries,
    has: (p) => table.byPath.has(p),
    entry: (p) => table.byPath.get(p),
    async open(path: string): Promise<Readable> {
      const e = table.byPath.get(path);
      if (e?.type !== 'file') throw new IngestError('I-013', 'entry not in package', { path });
      return openDiskFile(join(dir, ...path.split('/')), e.size);
    },
    async close() {},
  };
}

async function walk(absDir: string, rel: string, out: RawEntry[], limits: ReadLimits): Promise<void> {
  // Names are read as bytes so that a name which is not UTF-8 is refused rather than silently replaced.
  const dirents = await readdir(absDir, { withFileTypes: true, encoding: 'buffer' });
  for (const d of dirents) {
    const name = decodeEntryName(d.name);
    const path = safeEntryPath(rel === '' ? name : `${rel}/${name}`);
    const abs = join(absDir, name);
    if (d.isSymbolicLink()) throw new IngestError('I-005', 'symbolic link in package', { path });
    if (d.isDirectory()) {
      out.push({ path, type: 'directory', size: 0 });
      await walk(abs, path, out, limits);
    } else if (d.isFile()) {
      const st = await lstat(abs);
      out.push({ path, type: 'file', size: st.size });
    } else {
      throw new IngestError('I-014', 'package holds a special file (device, socket or pipe)', { path });
    }
    if (out.length > limits.maxEntries) {
      throw new IngestError('I-008', 'package has too many entries', { limit: limits.maxEntries });
    }
  }
}

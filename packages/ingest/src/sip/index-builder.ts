/**
 * Turns the raw entry list of a container into the package view's entry table: strips a single top folder,
 * adds directories that are only implied by file paths, and refuses duplicates and over-limit packages.
 */
import { IngestError } from '../errors.ts';
import type { PackageEntry, ReadLimits } from './types.ts';

export interface RawEntry {
  /** Already checked with safeEntryPath. */
  path: string;
  type: 'file' | 'directory';
  size: number;
}

export interface EntryTable {
  rootName: string;
  singleRoot: boolean;
  /** Prefix (with trailing '/') to add to a package path to get the container path; '' when not stripped. */
  prefix: string;
  entries: PackageEntry[];
  byPath: Map<string, PackageEntry>;
}

/**
 * `archive` is true for zip and tar, whose CSIP root folder is their single top-level folder (CSIPSTR1);
 * a folder given on disk is itself the root.
 */
export function buildEntryTable(
  raw: readonly RawEntry[],
  fallbackRoot: string,
  limits: ReadLimits,
  archive: boolean,
): EntryTable {
  if (raw.length > limits.maxEntries) {
    throw new IngestError('I-008', 'package has too many entries', { entries: raw.length, limit: limits.maxEntries });
  }
  const files = new Map<string, RawEntry>();
  const dirs = new Set<string>();
  let total = 0;
  for (const e of raw) {
    if (e.type === 'file') {
      if (files.has(e.path) || dirs.has(e.path)) {
        throw new IngestError('I-006', 'duplicate entry in package', { path: e.path });
      }
      files.set(e.path, e);
      total += e.size;
      if (total > limits.maxTotalBytes) {
        throw new IngestError('I-008', 'package exceeds the total size limit', { limit: limits.maxTotalBytes });
      }
    } else {
      if (files.has(e.path)) throw new IngestError('I-006', 'duplicate entry in package', { path: e.path });
      dirs.add(e.path);
    }
    // Parent folders, nearest first; a folder already known brought its own parents in when it was added. A file
    // that is also a folder is caught here or, if the file comes later, by the check after this loop.
    for (let slash = e.path.lastIndexOf('/'); slash > 0; slash = e.path.lastIndexOf('/', slash - 1)) {
      const parent = e.path.slice(0, slash);
      if (files.has(parent)) throw new IngestError('I-006', 'entry is both a file and a folder', { path: parent });
      if (dirs.has(parent)) break;
      dirs.add(parent);
    }
  }
  for (const d of dirs) {
    if (files.has(d)) throw new IngestError('I-006', 'entry is both a file and a folder', { path: d });
  }

  const tops = new Set([...files.keys(), ...dirs].map((p) => p.split('/')[0]));
  const onlyTop = archive && tops.size === 1 ? [...tops][0] : undefined;
  const stripTop = onlyTop !== undefined && dirs.has(onlyTop);
  const singleRoot = archive ? stripTop : true;
  const prefix = stripTop ? `${onlyTop}/` : '';
  const strip = (p: string) => p.slice(prefix.length);

  const entries: PackageEntry[] = [];
  for (const d of [...dirs].sort()) {
    if (stripTop && d === onlyTop) continue;
    entries.push({ path: strip(d), type: 'directory', size: 0 });
  }
  for (const f of [...files.values()].sort((a, b) => (a.path < b.path ? -1 : 1))) {
    entries.push({ path: strip(f.path), type: 'file', size: f.size });
  }
  return {
    rootName: stripTop && onlyTop !== undefined ? onlyTop : fallbackRoot,
    singleRoot,
    prefix,
    entries,
    byPath: new Map(entries.map((e) => [e.path, e])),
  };
}

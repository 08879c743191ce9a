import path from 'node:path';
import type { Archive, CatalogExtension } from '@bevara/storage';
import type { Io } from './output/io.ts';
import type { Exit } from './main.ts';

/** What every command gets: where output goes and how to find the archive. */
export interface Context {
  io: Io;
  /** --archive, else BEVARA_ARCHIVE; C-002 when neither is given. */
  archiveDir(): string;
  openArchive(): Promise<Archive>;
  /** The catalog's tables beyond storage's own (ERMS, access), with which every command opens the archive. */
  catalogExtensions(): Promise<CatalogExtension[]>;
}

/**
 * Made when a command runs, never while the command line is parsed: the packages are imported here and
 * in the verbs' actions, so `--help`, `--version` and usage errors load none of them.
 */
export async function makeContext(io: Io, archiveOption: string | undefined): Promise<Context> {
  const { Archive, BevaraError, tuneForStreaming } = await import('@bevara/storage');
  // a command that runs may stream gigabytes through storage: V8 set for that before any of it
  tuneForStreaming();
  const archiveDir = (): string => {
    const dir = archiveOption ?? process.env.BEVARA_ARCHIVE;
    if (!dir) throw new BevaraError('C-002', 'no archive given: use --archive DIR or set BEVARA_ARCHIVE');
    return path.resolve(dir);
  };
  const catalogExtensions = async (): Promise<CatalogExtension[]> => {
    const [{ ermsCatalog }, { accessCatalog }] = await Promise.all([import('@bevara/ingest'), import('@bevara/access')]);
    return [ermsCatalog, accessCatalog()];
  };
  return {
    io,
    archiveDir,
    catalogExtensions,
    // Every command opens the archive with the ERMS tables, so any rebuild restores them too.
    openArchive: async () => {
      const dir = archiveDir(); // before the imports: without an archive, C-002 needs neither package
      return Archive.open(dir, { catalogExtensions: await catalogExtensions() });
    },
  };
}

/** Opens the archive, runs `fn`, and always closes it. */
export async function withArchive(ctx: Context, fn: (archive: Archive) => Promise<Exit>): Promise<Exit> {
  const archive = await ctx.openArchive();
  try {
    return await fn(archive);
  } finally {
    await archive.close();
  }
}

/**
 * The uniform, read-only view of a submission package, whatever its container (folder, zip, tar).
 * Paths are relative to the package root folder, use '/' and never contain '.', '..' or empty segments.
 */
import type { Readable } from 'node:stream';

export type ContainerKind = 'folder' | 'zip' | 'tar';

export interface PackageEntry {
  readonly path: string;
  readonly type: 'file' | 'directory';
  /** Size in bytes as the container declares it (0 for directories). */
  readonly size: number;
}

export interface PackageView {
  readonly kind: ContainerKind;
  /** Name of the package root folder (CSIPSTR1/2): the folder's name or the archive's single top folder. */
  readonly rootName: string;
  /** False when an archive does not unpack to exactly one root folder (CSIPSTR1). */
  readonly singleRoot: boolean;
  readonly entries: readonly PackageEntry[];
  has(path: string): boolean;
  entry(path: string): PackageEntry | undefined;
  /** Streams one file's bytes; throws I-013 if the path is not a file of the package. */
  open(path: string): Promise<Readable>;
  /** Releases file handles and removes any staging copy. */
  close(): Promise<void>;
}

/** Limits that keep a hostile package from exhausting memory or disk. */
export interface ReadLimits {
  /** Largest total uncompressed size accepted, in bytes. */
  maxTotalBytes: number;
  /** Largest number of entries accepted. */
  maxEntries: number;
  /** Largest uncompressed/compressed ratio accepted for one zip entry larger than `ratioFloorBytes`. */
  maxRatio: number;
  ratioFloorBytes: number;
}

export const DEFAULT_LIMITS: ReadLimits = {
  maxTotalBytes: 64 * 1024 ** 3,
  maxEntries: 1_000_000,
  maxRatio: 200,
  ratioFloorBytes: 1024 * 1024,
};

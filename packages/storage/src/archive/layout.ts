import path from 'node:path';

/** The archive folder: configuration, keys, catalog and staging beside the embedded local store. */
export interface ArchivePaths {
  dir: string;
  config: string;
  keys: string;
  catalog: string;
  staging: string;
  journal: string;
  lock: string;
  auditLock: string;
  defaultStore: string;
}

export function archivePaths(dir: string): ArchivePaths {
  const d = path.resolve(dir);
  return {
    dir: d,
    config: path.join(d, 'bevara.json'),
    keys: path.join(d, 'keys'),
    catalog: path.join(d, 'catalog.sqlite'),
    staging: path.join(d, 'staging'),
    journal: path.join(d, 'staging', 'journal'),
    lock: path.join(d, 'write.lock'),
    auditLock: path.join(d, 'audit.lock'),
    defaultStore: path.join(d, 'store'),
  };
}

/** Storage-root files that are not OCFL objects (docs/storage-format.md §2). */
export const ROOT_EXTENSION_DIR = 'extensions/bevara-archive';
export const CERTIFICATES_PREFIX = `${ROOT_EXTENSION_DIR}/certificates/`;
export const AUDIT_PREFIX = 'extensions/bevara-audit-log/';

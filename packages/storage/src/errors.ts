/**
 * Failures of the storage layer. A failure is thrown with one stable code; codes are only
 * appended, never renumbered or reused (a retired code stays listed with `retired: true`).
 * `docs/errors.md` is generated from this table and the other packages' tables.
 */
export type ErrorSpec = {
  title: string;
  /** HTTP status when the failure reaches an HTTP client. */
  http: number;
  /** CLI exit code: 1 = something checked is not well, 2 = usage or system error. */
  exit: 1 | 2;
  retry?: true;
  retired?: true;
};

export const STORAGE_ERRORS = {
  'S-001': { title: 'object not found', http: 404, exit: 2 },
  'S-002': { title: 'digest mismatch', http: 500, exit: 1 },
  'S-003': { title: 'store unavailable', http: 503, exit: 2, retry: true },
  'S-004': { title: 'not a Bevara archive', http: 500, exit: 2 },
  'S-005': { title: 'archive already exists', http: 409, exit: 2 },
  'S-006': { title: 'configuration missing or malformed', http: 500, exit: 2 },
  'S-007': { title: 'invalid key or certificate', http: 500, exit: 2 },
  'S-008': { title: 'wrong key password', http: 500, exit: 2 },
  'S-009': { title: 'unsupported key type', http: 500, exit: 2 },
  'S-010': { title: 'no signing key', http: 500, exit: 2 },
  'S-011': { title: 'invalid OCFL inventory', http: 500, exit: 1 },
  'S-012': { title: 'signature does not verify', http: 500, exit: 1 },
  'S-013': { title: 'audit log chain broken', http: 500, exit: 1 },
  'S-014': { title: 'invalid logical path', http: 400, exit: 2 },
  'S-015': { title: 'object already exists', http: 409, exit: 2 },
  'S-016': { title: 'archive is locked by another writer', http: 503, exit: 2, retry: true },
  'S-017': { title: 'invalid blob key', http: 500, exit: 2 },
  'S-018': { title: 'version conflict', http: 409, exit: 2, retry: true },
  'S-019': { title: 'catalog unavailable or corrupt', http: 500, exit: 2 },
  'S-020': { title: 'size mismatch', http: 500, exit: 1 },
  'S-021': { title: 'store misconfigured', http: 500, exit: 2 },
  'S-022': { title: 'invalid byte range', http: 416, exit: 2 },
  'S-023': { title: 'audit log entry already exists', http: 409, exit: 2 },
  'S-024': { title: 'invalid audit event', http: 400, exit: 2 },
  'S-025': { title: 'no space left on the disk (staging or a local store)', http: 507, exit: 2, retry: true },
  'S-026': { title: 'object too large to read whole', http: 500, exit: 1 },
  'S-027': { title: "a file or folder of the archive's own cannot be read or written", http: 500, exit: 2 },
  'S-028': { title: 'an audit of this archive is already running', http: 409, exit: 2, retry: true },
} as const satisfies Record<string, ErrorSpec>;

export type StorageCode = keyof typeof STORAGE_ERRORS;

/** The one error class of Bevara; every package throws it with a code from its own table. */
export class BevaraError<C extends string = string> extends Error {
  override readonly name = 'BevaraError';
  constructor(
    readonly code: C,
    message: string,
    readonly detail: Readonly<Record<string, string | number>> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class StorageError extends BevaraError<StorageCode> {}

export function isBevaraError(e: unknown, code?: string): e is BevaraError {
  return e instanceof BevaraError && (code === undefined || e.code === code);
}

/**
 * An error that means the disk (or the user's quota) is full: S-025, retryable once space is freed. SQLite (the
 * catalog, through better-sqlite3) says so with its own code.
 */
export function isNoSpaceError(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL';
}

/** What `read` gives, or null where the object is absent (S-001): for checks to which a missing file is a finding. */
export async function absentAsNull<T>(read: Promise<T>): Promise<T | null> {
  try {
    return await read;
  } catch (e) {
    if (isBevaraError(e, 'S-001')) return null;
    throw e;
  }
}

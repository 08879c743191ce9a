/**
 * Checks of entry names from archives and folders: every name is judged before anything is read or written,
 * so a hostile name (`..`, absolute, backslash tricks, invalid UTF-8, duplicates) never reaches the file system.
 */
import { IngestError } from '../errors.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes raw name bytes, refusing anything that is not valid UTF-8 (I-007). */
export function decodeEntryName(raw: Buffer): string {
  try {
    return utf8.decode(raw);
  } catch {
    throw new IngestError('I-007', 'entry name is not valid UTF-8', { name: raw.toString('hex') });
  }
}

/**
 * Normalises an archive or folder entry name to a package-relative path, or throws.
 * Directories may end in '/'; that slash is dropped here.
 */
export function safeEntryPath(name: string): string {
  if (name.includes('\0')) throw new IngestError('I-014', 'entry name contains a NUL byte', { name });
  if (name.includes('\\')) {
    // A backslash is a separator on Windows; treating it as an ordinary character would let "..\\x" escape there.
    throw new IngestError('I-014', 'entry name contains a backslash', { name });
  }
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) {
    throw new IngestError('I-004', 'entry has an absolute path', { name });
  }
  const segments = name.replace(/\/+$/, '').split('/');
  for (const segment of segments) {
    if (segment === '..') throw new IngestError('I-004', 'entry path contains ..', { name });
  }
  const kept = segments.filter((s) => s !== '' && s !== '.');
  if (kept.length === 0) throw new IngestError('I-014', 'entry name is empty', { name });
  return kept.join('/');
}

/** Remembers paths already seen and refuses a second entry with the same path (I-006). */
export class DuplicateGuard {
  private readonly seen = new Set<string>();
  add(path: string): void {
    // Compare case-sensitively: a package may legitimately hold 'a' and 'A'; a second identical name is ambiguous.
    if (this.seen.has(path)) throw new IngestError('I-006', 'duplicate entry in package', { path });
    this.seen.add(path);
  }
}

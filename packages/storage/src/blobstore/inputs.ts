/**
 * Checks of what callers hand a blob store: keys, list prefixes and byte ranges. Both backends
 * apply the same rules, so a key that works on local disk also works on S3 and back.
 */
import { StorageError } from '../errors.ts';

/** S3's limit on a key, in UTF-8 bytes. */
const MAX_KEY_BYTES = 1024;
/** The common file-name limit (NAME_MAX) on local file systems, in UTF-8 bytes. */
const MAX_SEGMENT_BYTES = 255;
/** Local temp files carry this prefix, and list() hides them, so no key may use it. */
export const TEMP_PREFIX = '.tmp-';

// C0 controls and DEL: NUL cuts paths short in syscalls, the others break logs and listings
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
// a lone UTF-16 surrogate has no UTF-8 form: the key would be stored as something else
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Throws S-017 unless `key` is relative, '/'-separated, without empty, '.' or '..' segments,
 * backslashes or control characters, well-formed UTF-16 and within the length limits.
 */
export function assertValidKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key === '') throw badKey(key, 'the key is empty');
  checkText(key);
  if (key.endsWith('/')) throw badKey(key, 'the key ends with "/"');
  checkSegments(key, key.split('/'));
}

/** Like a key, except that it may be empty or end with '/' (then it names a folder). */
export function assertValidPrefix(prefix: unknown): asserts prefix is string {
  if (typeof prefix !== 'string') throw badKey(prefix, 'the prefix is not a string');
  if (prefix === '') return;
  checkText(prefix);
  const segments = prefix.split('/');
  if (prefix.endsWith('/')) segments.pop();
  checkSegments(prefix, segments);
}

function checkText(key: string): void {
  if (LONE_SURROGATE.test(key)) throw badKey(key, 'the key is not well-formed Unicode');
  if (CONTROL_CHARS.test(key)) throw badKey(key, 'the key holds a control character (NUL, newline, ...)');
  if (key.includes('\\')) throw badKey(key, 'the key holds a backslash');
  if (key.startsWith('/')) throw badKey(key, 'the key is absolute');
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) throw badKey(key, `the key is longer than ${MAX_KEY_BYTES} bytes`);
}

function checkSegments(key: string, segments: string[]): void {
  for (const segment of segments) {
    if (segment === '') throw badKey(key, 'the key has an empty segment ("//")');
    if (segment === '.' || segment === '..') throw badKey(key, `the key has a "${segment}" segment`);
    if (segment.startsWith(TEMP_PREFIX)) throw badKey(key, `"${TEMP_PREFIX}" is reserved for temporary files`);
    if (Buffer.byteLength(segment) > MAX_SEGMENT_BYTES) {
      throw badKey(key, `a segment is longer than ${MAX_SEGMENT_BYTES} bytes`);
    }
  }
}

function badKey(key: unknown, why: string): StorageError {
  const shown = typeof key === 'string' ? JSON.stringify(key.slice(0, 200)) : typeof key;
  return new StorageError('S-017', `invalid blob key ${shown}: ${why}`, { key: String(key).slice(0, 200) });
}

/** An inclusive byte range [start, end], as BlobStore.get takes it. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Throws S-022 unless the range is two integers with 0 <= start <= end. Whether `start` lies
 * inside the object is checked by the backend, which knows the size.
 */
export function assertValidRange(key: string, range: ByteRange): void {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new StorageError('S-022', `invalid byte range ${start}-${end} for ${key}: need integers 0 <= start <= end`, {
      key,
    });
  }
}

/** S-022 for a range that starts at or beyond the end of the object. */
export function rangeNotSatisfiable(key: string, range: ByteRange, size: number): StorageError {
  return new StorageError('S-022', `byte range ${range.start}-${range.end} starts beyond the end of ${key} (${size} bytes)`, {
    key,
    size,
  });
}

/**
 * Orders keys by their UTF-8 bytes, as S3 lists them. (JavaScript's `<` compares UTF-16 code
 * units, which differs for characters beyond U+FFFF.)
 */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

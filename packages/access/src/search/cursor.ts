/** Opaque keyset cursors: the rid of the last item of a page (rids sort newest first), base64url-encoded JSON. */
import { AccessError } from '../errors.ts';

export interface Cursor {
  /** The last row's rid; the next page starts below it. */
  r: number;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c), 'utf8').toString('base64url');
}

export function decodeCursor(text: string): Cursor {
  const bad = () => new AccessError('A-004', 'the cursor is not one this server gave out', {});
  if (text.length > 200 || !/^[A-Za-z0-9_-]+$/.test(text)) throw bad();
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  const c = v as Partial<Cursor> | null;
  // exactly {r}: a cursor of the earlier form ({k, r}, rids in another order) would page from the wrong place
  if (!c || !Number.isSafeInteger(c.r) || Object.keys(c).length !== 1) throw bad();
  return { r: c.r as number };
}

/**
 * An AIP's documents that text search cannot find by their content, and why: what became of their text when the
 * AIP was indexed (access_files.search_text, extension.ts). Formats with no text reader (images, sound) are not
 * listed: nobody expects their text.
 */
import type { TextOutcome } from '../search/text.ts';
import type { Db } from './extension.ts';

export type UnsearchableReason = Exclude<TextOutcome, 'read'> | 'too-large';

export interface UnsearchableDocument {
  path: string;
  reason: UnsearchableReason;
}

/** In path order; a document that several records name is listed once, and not when its text was read for any. */
export function unsearchableDocuments(db: Db, aipId: string): UnsearchableDocument[] {
  return db
    .prepare(
      `SELECT path, min(search_text) AS reason FROM access_files WHERE aip_id = ? AND search_text IS NOT NULL
       GROUP BY path HAVING max(search_text = 'read') = 0 ORDER BY path`,
    )
    .all(aipId) as UnsearchableDocument[];
}

/**
 * fast-xml-parser, loaded when Bevara first reads back its own XML (an AIP METS, a PREMIS file) instead of
 * whenever the storage package is imported: most commands (list, show, keys, serve until an ingest) never parse
 * XML, and loading the library as ES modules was about 50 ms of every start.
 */
import type { X2jOptions, XMLParser } from 'fast-xml-parser';
import { lazyLibrary } from '../lazy-library.ts';

const fastXmlParser = lazyLibrary<typeof import('fast-xml-parser')>('fast-xml-parser');

/** A getter for a parser with these options: the first call loads the library and makes it, later ones reuse it. */
export function lazyXmlParser(options: X2jOptions): () => XMLParser {
  let parser: XMLParser | undefined;
  return () => (parser ??= new (fastXmlParser().XMLParser)(options));
}

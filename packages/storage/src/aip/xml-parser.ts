/**
 * fast-xml-parser, loaded when Bevara first reads back its own XML (an AIP METS, a PREMIS file) instead of
 * whenever the storage package is imported: most commands (list, show, keys, serve until an ingest) never parse
 * XML, and loading the library as ES modules was about 50 ms of every start. parseAipMets and
 * readPremisEvents are synchronous, so the library is required (its CommonJS build, one file), not import()ed.
 */
import { createRequire } from 'node:module';
import type { X2jOptions, XMLParser } from 'fast-xml-parser';

/** A getter for a parser with these options: the first call loads the library and makes it, later ones reuse it. */
export function lazyXmlParser(options: X2jOptions): () => XMLParser {
  let parser: XMLParser | undefined;
  return () => {
    if (parser === undefined) {
      const library = createRequire(import.meta.url)('fast-xml-parser') as typeof import('fast-xml-parser');
      parser = new library.XMLParser(options);
    }
    return parser;
  };
}

/**
 * ERMS content: XML files in the package whose root is CITS ERMS (2.1 or 3.0) or FGS Ärendehantering 1.0 are
 * validated against Bevara's pinned schema of that version. FGS Ärendehantering 1.0 has no surviving official
 * schema; it is checked against the derived schema, and the result says so.
 */
import type { Document } from 'libxmljs2';
import { IngestError } from '../errors.ts';
import type { Result } from '../report/types.ts';
import type { PackageView } from '../sip/types.ts';
import { parseSafeBytes } from '../xml/dom.ts';
import { readXmlSafely, type XmlLimits } from '../xml/safe.ts';
import { schemaTitle, validateAgainst, type SchemaSetName, type XsdError } from '../xml/xsd.ts';
import { all, attr, resolveHref, type MetsDocument } from './mets-model.ts';

const ERMS_NS = 'https://DILCIS.eu/XML/ERMS';
const FGS_ERMS_NS = 'http://xml.ra.se/e-arkiv/FGS-ERMS';

/** XML files referenced from the METS documents' file sections, other than METS files themselves. */
function candidates(pkg: PackageView, docs: readonly MetsDocument[]): string[] {
  const metsFiles = new Set(docs.map((d) => d.file));
  const out = new Set<string>();
  for (const mets of docs) {
    for (const l of all(mets.root, 'mets:fileSec//mets:file/mets:FLocat | mets:dmdSec/mets:mdRef')) {
      const t = resolveHref(attr(l, 'href', 'xlink') ?? '', mets.dir);
      if (t.kind === 'package' && t.path.toLowerCase().endsWith('.xml') && !metsFiles.has(t.path) && pkg.entry(t.path)?.type === 'file') {
        out.add(t.path);
      }
    }
  }
  return [...out];
}

/** The ERMS version an instance declares through its xsi:schemaLocation, if it does. */
function declaredErmsSet(doc: Document): SchemaSetName | undefined {
  const root = doc.root();
  const loc = root === null ? '' : (root.attrs().find((a) => a.name() === 'schemaLocation')?.value() ?? '');
  if (/v3|3[._]0/i.test(loc)) return 'erms-v3';
  if (/2[._]1/.test(loc)) return 'erms-v2';
  return undefined;
}

export async function checkErmsFiles(pkg: PackageView, docs: readonly MetsDocument[], xmlLimits?: Partial<XmlLimits>): Promise<Result[]> {
  const out: Result[] = [];
  for (const path of candidates(pkg, docs)) {
    let doc: Document;
    try {
      doc = parseSafeBytes(await readXmlSafely(await pkg.open(path), { name: path, ...(xmlLimits ? { limits: xmlLimits } : {}) }), path);
    } catch (err) {
      if (!(err instanceof IngestError)) throw err;
      out.push({ id: 'BEVARA-001', level: 'MUST', status: 'failed', message: `[${err.code}] ${err.message}`, location: { file: path } });
      continue;
    }
    const ns = doc.root()?.namespace()?.href();
    if (ns !== ERMS_NS && ns !== FGS_ERMS_NS) continue;
    let set: SchemaSetName;
    let errors: XsdError[];
    let note = '';
    if (ns === FGS_ERMS_NS) {
      set = 'fgs-erms-1.0';
      errors = await validateAgainst(doc, set);
      note = ' (derived schema: the official FGS Ärendehantering 1.0 schema is not available)';
    } else {
      const declared = declaredErmsSet(doc);
      if (declared !== undefined) {
        set = declared;
        errors = await validateAgainst(doc, set);
      } else {
        // No declared version: 3.0 first; an instance that fails 3.0 but passes 2.1.2 is a 2.1 instance.
        set = 'erms-v3';
        errors = await validateAgainst(doc, set);
        if (errors.length > 0 && (await validateAgainst(doc, 'erms-v2')).length === 0) {
          set = 'erms-v2';
          errors = [];
        }
        note = ' (version not declared; judged by which schema it satisfies)';
      }
    }
    if (errors.length === 0) {
      out.push({ id: 'BEVARA-006', level: 'MUST', status: 'passed', message: `valid against ${schemaTitle(set)}${note}`, location: { file: path } });
    }
    for (const e of errors.slice(0, 50)) {
      out.push({ id: 'BEVARA-006', level: 'MUST', status: 'failed', message: `${schemaTitle(set)}${note}: ${e.message}`, location: { file: path, ...(e.line ? { line: e.line } : {}) } });
    }
  }
  return out;
}

/**
 * PREMIS files referenced from digiprovMD are validated against PREMIS 3.0 or 2.1, chosen by their root
 * namespace. The document comes from the fixity pass's one read of the file.
 */
import type { Result } from '../report/types.ts';
import { parseSafeBytes } from '../xml/dom.ts';
import { schemaTitle, validateAgainst, type SchemaSetName } from '../xml/xsd.ts';
import type { XmlConsumer } from './fixity.ts';
import { all, locatorTarget, type MetsDocument } from './mets-model.ts';
import type { PackageView } from '../sip/types.ts';
import { IngestError } from '../errors.ts';

const ID = 'BEVARA-003';

/** Package paths of the PREMIS files the METS documents reference from digiprovMD. */
export function premisFiles(pkg: PackageView, docs: readonly MetsDocument[]): string[] {
  const out = new Set<string>();
  for (const mets of docs) {
    for (const ref of all(mets.root, "mets:amdSec/mets:digiprovMD/mets:mdRef[starts-with(@MDTYPE,'PREMIS')]")) {
      const t = locatorTarget(ref, mets.dir);
      if (t?.kind === 'package' && pkg.entry(t.path)?.type === 'file') out.add(t.path); // else reported by fixity
    }
  }
  return [...out];
}

export const checkPremisDocument: XmlConsumer = async (path, read) => {
  const fail = (message: string, line?: number): Result => ({ id: ID, level: 'MUST', status: 'failed', message, location: { file: path, ...(line ? { line } : {}) } });
  if (read.xml === undefined) {
    const err = read.xmlError;
    return [{ id: 'BEVARA-001', level: 'MUST', status: 'failed', message: err ? `[${err.code}] ${err.message}` : 'not read', location: { file: path, ...(Number(err?.detail['line']) ? { line: Number(err?.detail['line']) } : {}) } }];
  }
  let doc;
  try {
    doc = parseSafeBytes(read.xml, path);
  } catch (err) {
    if (!(err instanceof IngestError)) throw err;
    return [{ id: 'BEVARA-001', level: 'MUST', status: 'failed', message: `[${err.code}] ${err.message}`, location: { file: path } }];
  }
  const ns = doc.root()?.namespace()?.href();
  const set: SchemaSetName | undefined = ns === 'http://www.loc.gov/premis/v3' ? 'premis-v3' : ns === 'info:lc/xmlns/premis-v2' ? 'premis-v2' : undefined;
  if (set === undefined) return [fail(`${path} is declared PREMIS but its root is in namespace ${ns ?? '(none)'}`)];
  const errors = await validateAgainst(doc, set);
  if (errors.length === 0) return [{ id: ID, level: 'MUST', status: 'passed', message: `valid against ${schemaTitle(set)}`, location: { file: path } }];
  return errors.slice(0, 50).map((e) => fail(`${schemaTitle(set)}: ${e.message}`, e.line));
};

/**
 * ERMS content: XML files in the package whose root is CITS ERMS (2.1 or 3.0) or FGS Ärendehantering 1.0 are
 * validated against Bevara's pinned schema of that version (BEVARA-006) and judged by their requirements: CITS
 * ERMS by its own IDs (erms-rules.ts), FGS Ärendehantering 1.0, which numbers none, by Bevara's FGSE-NNN IDs.
 * FGS Ärendehantering 1.0 has no surviving official schema; it is checked against the derived schema, and the
 * result says so. The document comes from the fixity pass's one read of the file; checks of the files a Bilaga
 * links to wait for the end of that pass (their digests come from the same pass).
 */
import type { Document, Element } from 'libxmljs2';
import { IngestError } from '../errors.ts';
import type { FileFacts, Level, Result } from '../report/types.ts';
import type { PackageView } from '../sip/types.ts';
import { parseSafeBytes } from '../xml/dom.ts';
import { schemaTitle, validateAgainst, type SchemaSetName, type XsdError } from '../xml/xsd.ts';
import { RuleReporter } from './engine.ts';
import { checkErmsRequirements } from './erms-rules.ts';
import type { XmlConsumer } from './fixity.ts';
import { FILE_LOCATORS, all, attr, locatorTarget, resolveHref, where, type MetsDocument } from './mets-model.ts';

const ERMS_NS = 'https://DILCIS.eu/XML/ERMS';
const FGS_ERMS_NS = 'http://xml.ra.se/e-arkiv/FGS-ERMS';

/** Bevara's IDs for FGS Ärendehantering 1.0 (docs/rules.md); never reused. */
export const FGSE_RULES = {
  'FGSE-001': { level: 'MUST', text: 'every Restriktion states its @Typ (derived schema RestriktionsTyp: Typ use="required")' },
  'FGSE-002': { level: 'MUST', text: 'every Bilaga/@Lank addresses a file of the package (FGS Ärendehantering 1.0, Bilaga: link to the attached file)' },
  'FGSE-003': { level: 'MUST', text: 'a Bilaga/@Checksumma matches the linked file by its @ChecksummaMetod (SHA-256 recomputed)' },
  'FGSE-004': { level: 'MUST', text: 'a Bilaga/@Storlek matches the size of the linked file' },
} as const satisfies Record<string, { level: Level; text: string }>;

/** XML files referenced from the METS documents' file sections, other than METS files themselves. */
export function ermsCandidates(pkg: PackageView, docs: readonly MetsDocument[]): string[] {
  const metsFiles = new Set(docs.map((d) => d.file));
  const out = new Set<string>();
  for (const mets of docs) {
    // The fileSec's locators as the other rules query them, not a union query of its own over the same elements.
    for (const l of [...all(mets.root, FILE_LOCATORS), ...all(mets.root, 'mets:dmdSec/mets:mdRef')]) {
      const t = locatorTarget(l, mets.dir);
      if (t?.kind === 'package' && t.path.toLowerCase().endsWith('.xml') && !metsFiles.has(t.path) && pkg.entry(t.path)?.type === 'file') {
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

interface PendingBilaga { ermsFile: string; el: Element; target: string; checksum?: string; method?: string; size?: string }

export interface ErmsChecker {
  consume: XmlConsumer;
  /** Checks that needed other files' digests (FGSE-002…004), once every file has been read. */
  finish(files: readonly FileFacts[]): Result[];
}

export function ermsChecker(pkg: PackageView): ErmsChecker {
  const pending: PendingBilaga[] = [];
  const fgseReporters: RuleReporter[] = [];
  const reporter = (id: keyof typeof FGSE_RULES, file: string) => new RuleReporter(id, FGSE_RULES[id].level, file);

  const consume: XmlConsumer = async (path, read) => {
    if (read.xml === undefined) {
      const err = read.xmlError;
      const line = Number(err?.detail['line']) || undefined;
      return [{ id: 'BEVARA-001', level: 'MUST', status: 'failed', message: err ? `[${err.code}] ${err.message}` : 'not read', location: { file: path, ...(line ? { line } : {}) } }];
    }
    let doc: Document;
    try {
      doc = parseSafeBytes(read.xml, path);
    } catch (err) {
      if (!(err instanceof IngestError)) throw err;
      return [{ id: 'BEVARA-001', level: 'MUST', status: 'failed', message: `[${err.code}] ${err.message}`, location: { file: path } }];
    }
    const ns = doc.root()?.namespace()?.href();
    if (ns !== ERMS_NS && ns !== FGS_ERMS_NS) return [];
    const out: Result[] = [];
    let set: SchemaSetName;
    let errors: XsdError[];
    let note = '';
    if (ns === FGS_ERMS_NS) {
      set = 'fgs-erms-1.0';
      errors = await validateAgainst(doc, set);
      note = ' (derived schema: the official FGS Ärendehantering 1.0 schema is not available)';
      out.push(...fgseDocumentRules(doc, path));
      collectBilagor(doc, path);
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
      out.push(...checkErmsRequirements(doc, set === 'erms-v3' ? '3.0' : '2.1', path));
    }
    if (errors.length === 0) {
      out.push({ id: 'BEVARA-006', level: 'MUST', status: 'passed', message: `valid against ${schemaTitle(set)}${note}`, location: { file: path } });
    }
    for (const e of errors.slice(0, 50)) {
      out.push({ id: 'BEVARA-006', level: 'MUST', status: 'failed', message: `${schemaTitle(set)}${note}: ${e.message}`, location: { file: path, ...(e.line ? { line: e.line } : {}) } });
    }
    return out;
  };

  function fgseDocumentRules(doc: Document, path: string): Result[] {
    const r = reporter('FGSE-001', path);
    const restriktioner = doc.find<Element>('//f:Restriktion', { f: FGS_ERMS_NS });
    if (restriktioner.length === 0) r.skip('no Restriktion in the document');
    for (const el of restriktioner) if (attr(el, 'Typ') === undefined) r.violation('Restriktion has no @Typ', where(el));
    return r.results(FGSE_RULES['FGSE-001'].text);
  }

  function collectBilagor(doc: Document, path: string): void {
    const r2 = reporter('FGSE-002', path);
    fgseReporters.push(r2);
    const bilagor = doc.find<Element>('//f:Bilaga', { f: FGS_ERMS_NS });
    if (bilagor.length === 0) r2.skip('no Bilaga in the document');
    for (const el of bilagor) {
      const lank = attr(el, 'Lank');
      if (lank === undefined) continue; // optional in the derived schema
      // A link is relative to the package root (file:///Content/…), as sip.xml writes it.
      const t = resolveHref(lank, '');
      if (t.kind !== 'package') { r2.violation(`Bilaga/@Lank "${lank}" does not address a file of the package`, where(el)); continue; }
      if (pkg.entry(t.path)?.type !== 'file') { r2.violation(`Bilaga/@Lank "${lank}" refers to ${t.path}, which is not in the package`, where(el)); continue; }
      const checksum = attr(el, 'Checksumma');
      const method = attr(el, 'ChecksummaMetod');
      const size = attr(el, 'Storlek');
      pending.push({ ermsFile: path, el, target: t.path, ...(checksum ? { checksum } : {}), ...(method ? { method } : {}), ...(size ? { size } : {}) });
    }
  }

  function finish(files: readonly FileFacts[]): Result[] {
    const out: Result[] = [];
    for (const r of fgseReporters) out.push(...r.results(FGSE_RULES['FGSE-002'].text));
    if (fgseReporters.length === 0) return out;
    const byPath = new Map(files.map((f) => [f.path, f]));
    const sums = new Map<string, RuleReporter>();
    const sizes = new Map<string, RuleReporter>();
    for (const b of pending) {
      const rs = sums.get(b.ermsFile) ?? reporter('FGSE-003', b.ermsFile);
      const rz = sizes.get(b.ermsFile) ?? reporter('FGSE-004', b.ermsFile);
      sums.set(b.ermsFile, rs);
      sizes.set(b.ermsFile, rz);
      const facts = byPath.get(b.target);
      if (facts === undefined) { rs.skip(`${b.target} is referenced by no METS, so it was not read`); continue; }
      if (b.size !== undefined && b.size.trim() !== String(facts.size)) rz.violation(`Bilaga/@Storlek says ${b.size} but ${b.target} has ${facts.size} bytes`, where(b.el));
      if (b.checksum === undefined) continue;
      if (b.method !== undefined && b.method.replace('-', '').toUpperCase() !== 'SHA256') { rs.skip(`ChecksummaMetod ${b.method} is not recomputed; only SHA-256 is`); continue; }
      if (b.checksum.trim().toLowerCase() !== facts.sha256) rs.violation(`Bilaga/@Checksumma of ${b.target} is ${b.checksum}, the file's SHA-256 is ${facts.sha256}`, where(b.el));
    }
    for (const r of [...sums.values(), ...sizes.values()]) out.push(...r.results(FGSE_RULES[r.id as keyof typeof FGSE_RULES].text));
    return out;
  }

  return { consume, finish };
}

/**
 * Verifies what METS documents say about files: that each reference resolves to a file of the package, that
 * SIZE and CHECKSUM match the bytes, and which files no METS references. Every referenced file is read once
 * (file-read.ts): all digests its references ask for, SHA-256 for the report, the identification windows and,
 * for PREMIS/ERMS, the XML come from that one pass. A SIZE/CHECKSUM that matches the file only with its LF line
 * endings converted to CRLF is named as such: a warning for the schema copies under schemas/ (carried, never
 * used by Bevara), a failure elsewhere. Ingest joins the same pass (FilePassHooks): each file's bytes also flow
 * to storage, and with `everyFile` the files no METS references are read too, so every file passes exactly once.
 */
import type { Element } from 'libxmljs2';
import type { FileFacts, Level, Result } from '../report/types.ts';
import type { PackageView } from '../sip/types.ts';
import { readPackageFile, type FileRead, type PassSink, type ReadRequest } from './file-read.ts';
import { all, attr, locatorTarget, where, type MetsDocument } from './mets-model.ts';
import { HASHES } from './vocabularies.ts';
import type { IngestError } from '../errors.ts';
import type { XmlLimits } from '../xml/safe.ts';

/** Requirement IDs a kind of reference is reported under. */
export interface ReferenceIds {
  href: string;
  size: string;
  checksum: string;
}

/** Which elements hold file references, and the IDs to report them under; per profile. */
export interface ReferenceKind {
  /** XPath from the mets root to the locator element (FLocat or mdRef). */
  xpath: string;
  /** Where SIZE/CHECKSUM live: on the locator itself (mdRef) or on its parent (file). */
  attrsOn: 'self' | 'parent';
  ids: ReferenceIds;
}

interface Reference {
  mets: MetsDocument;
  locator: Element;
  holder: Element;
  path: string;
  ids: ReferenceIds;
}

export interface FixityOptions {
  kinds: readonly ReferenceKind[];
  /** Level of each requirement ID used in the kinds. */
  levelOf: (id: string) => Level;
  /** ID and level for files present in the package but referenced by no METS. */
  unreferenced: { id: string; level: Level };
  /** Package paths that count as referenced anyway (the METS files themselves). */
  alsoReferenced: ReadonlySet<string>;
  progress?: (done: number, total: number) => void;
  /** Package paths of XML to pre-parse in the same read, with what to do with the document (PREMIS, ERMS). */
  xml?: ReadonlyMap<string, XmlConsumer>;
  xmlLimits?: Partial<XmlLimits>;
  /** Called once per file after its read (format identification); its results join the report. */
  afterRead?: (path: string, read: FileRead, facts: FileFacts) => Promise<Result[]>;
  pass?: FilePassHooks;
}

/** What a caller adds to the file pass (ingest: storing every file in the same read). */
export interface FilePassHooks {
  /** Read the files no METS reference points at too (the METS documents among them), after the referenced ones. */
  everyFile?: boolean;
  /**
   * Receives a file's bytes as they are read; ended after onRead (or, for a sink that hashes them, once they are all
   * in it), destroyed when the read or the checks fail. The read of the file waits until it is given (a consumer
   * that falls behind holds the pass back).
   */
  sink?: (path: string) => PassSink | Promise<PassSink> | undefined;
  /** Called once per file read, after the checks on it and before its sink ends. */
  onRead?: (path: string, read: FileRead, facts: FileFacts) => Promise<void> | void;
}

/** Judges a document read during the fixity pass: its bytes, or why the safe pre-parse refused it. */
export type XmlConsumer = (path: string, read: { xml?: Buffer; xmlError?: IngestError }) => Promise<Result[]>;

export interface FixityOutcome {
  results: Result[];
  /** Every file read, in reading order, with what the report says about it. */
  files: FileFacts[];
}

/** Schema copies a package carries for others; Bevara validates with its own pinned schemas. */
function isCarriedSchema(path: string): boolean {
  return /(^|\/)schemas\//.test(path);
}

export async function checkFixity(pkg: PackageView, docs: readonly MetsDocument[], opts: FixityOptions): Promise<FixityOutcome> {
  const out: Result[] = [];
  const fail = (id: string, mets: MetsDocument, el: Element, message: string) =>
    out.push({ id, level: opts.levelOf(id), status: 'failed', message, location: { file: mets.file, ...where(el) } });

  const refs: Reference[] = [];
  // Packages made on case-insensitive file systems often differ from their METS only in letter case.
  const byLowerCase = new Map(pkg.entries.filter((e) => e.type === 'file').map((e) => [e.path.toLowerCase(), e.path]));
  for (const mets of docs) {
    for (const kind of opts.kinds) {
      for (const locator of all(mets.root, kind.xpath)) {
        const target = locatorTarget(locator, mets.dir);
        if (target === undefined) continue; // a missing href is judged by the profile's rules
        const href = attr(locator, 'href', 'xlink')!;
        if (target.kind === 'external') continue;
        if (target.kind === 'invalid') { fail(kind.ids.href, mets, locator, `xlink:href "${href}": ${target.reason}`); continue; }
        let path = target.path;
        if (pkg.entry(path)?.type !== 'file') {
          const other = byLowerCase.get(path.toLowerCase());
          if (other === undefined) {
            fail(kind.ids.href, mets, locator, `xlink:href "${href}" refers to ${path}, which is not in the package`);
            continue;
          }
          out.push({
            id: kind.ids.href, level: opts.levelOf(kind.ids.href), status: 'warning',
            message: `xlink:href "${href}" matches ${other} only when letter case is ignored`,
            location: { file: mets.file, ...where(locator) },
          });
          path = other;
        }
        const holder = kind.attrsOn === 'self' ? locator : (locator.parent() as Element);
        refs.push({ mets, locator, holder, path, ids: kind.ids });
      }
    }
  }

  // One read per file, with every digest any of its references asks for.
  const byPath = new Map<string, Reference[]>();
  for (const ref of refs) byPath.set(ref.path, [...(byPath.get(ref.path) ?? []), ref]);
  let done = 0;
  const files: FileFacts[] = [];
  // XML to parse that no METS reference points at (none today) is still read once, here.
  const paths = [...byPath.keys(), ...[...(opts.xml?.keys() ?? [])].filter((p) => !byPath.has(p))];
  const read = new Set(paths);
  const others = opts.pass?.everyFile ? pkg.entries.filter((e) => e.type === 'file' && !read.has(e.path)).map((e) => e.path) : [];
  const total = paths.length + others.length;
  for (const path of paths) {
    const list = byPath.get(path) ?? [];
    const algorithms = new Set<string>();
    for (const ref of list) {
      const t = attr(ref.holder, 'CHECKSUMTYPE');
      const algo = t === undefined ? undefined : HASHES[t];
      if (algo !== undefined) algorithms.add(algo);
    }
    const consumer = opts.xml?.get(path);
    const xml = consumer ? { xml: { ...(opts.xmlLimits ? { limits: opts.xmlLimits } : {}) } } : {};
    const facts = await passFile(pkg, path, { algorithms: [...algorithms], ...xml }, opts.pass, async (read, facts) => {
      for (const ref of list) out.push(...compare(ref, path, read, opts.levelOf));
      if (opts.afterRead) out.push(...(await opts.afterRead(path, read, facts)));
      if (consumer) out.push(...(await consumer(path, read)));
    });
    files.push(facts);
    opts.progress?.(++done, total);
  }
  for (const path of others) {
    await passFile(pkg, path, { algorithms: [] }, opts.pass, async () => undefined);
    opts.progress?.(++done, total);
  }

  const referenced = new Set([...byPath.keys(), ...opts.alsoReferenced]);
  const loose = pkg.entries.filter((e) => e.type === 'file' && !referenced.has(e.path));
  const { id, level } = opts.unreferenced;
  const status = level === 'MUST' ? 'failed' : 'warning';
  for (const e of loose.slice(0, 200)) {
    out.push({ id, level, status, message: `${e.path} is in the package but no METS references it`, location: { file: e.path } });
  }
  if (loose.length > 200) out.push({ id, level, status, message: `and ${loose.length - 200} more unreferenced files` });
  if (loose.length === 0) out.push({ id, level, status: 'passed', message: 'every file of the package is referenced from a METS document' });
  return { results: out, files };
}

/**
 * One file's read within the pass: the checks run on what was read, then the caller's hook, and only then does
 * the sink end, so whatever consumes it (storage) finishes a file only once the file has been judged. A sink that
 * hashes the bytes itself ends before the checks: they need its digest.
 */
export async function passFile(
  pkg: PackageView, path: string, request: Omit<ReadRequest, 'sink'>, hooks: FilePassHooks | undefined,
  check: (read: FileRead, facts: FileFacts) => Promise<void>,
): Promise<FileFacts> {
  const sink = await hooks?.sink?.(path);
  const read = await readPackageFile(pkg, path, { ...request, ...(sink ? { sink } : {}) });
  const facts: FileFacts = { path, size: read.size, sha256: read.digests.get('sha256')! };
  try {
    await check(read, facts);
    await hooks?.onRead?.(path, read, facts);
  } catch (err) {
    sink?.pipe.destroy(err as Error);
    throw err;
  }
  if (sink?.digest === undefined) sink?.pipe.end();
  return facts;
}

/** SIZE and CHECKSUM of one reference against the bytes read. */
function compare(ref: Reference, path: string, read: FileRead, levelOf: (id: string) => Level): Result[] {
  const out: Result[] = [];
  // Computed only for a finding: an XPath per reference cost more than the comparisons on a 10,000-file METS.
  const at = () => ({ file: ref.mets.file, ...where(ref.holder) });
  const mismatch = (id: string, message: string, crlfMatches: boolean): void => {
    if (!crlfMatches) {
      out.push({ id, level: levelOf(id), status: 'failed', message, location: at() });
      return;
    }
    const carried = isCarriedSchema(path);
    const why = `; it matches ${path} with its LF line endings converted to CRLF, so the file was changed (line endings) after the METS was written`;
    out.push({
      id, level: levelOf(id), status: carried ? 'warning' : 'failed',
      message: message + why + (carried ? ' (a schema copy under schemas/, which Bevara never uses: a warning)' : ''),
      location: at(),
    });
  };
  const declared = attr(ref.holder, 'SIZE');
  if (declared !== undefined && declared.trim() !== String(read.size)) {
    mismatch(ref.ids.size, `SIZE says ${declared} bytes but ${path} has ${read.size}`, read.crlf !== undefined && declared.trim() === String(read.crlf.size));
  }
  const type = attr(ref.holder, 'CHECKSUMTYPE');
  const sum = attr(ref.holder, 'CHECKSUM');
  if (type === undefined || sum === undefined) return out;
  const algo = HASHES[type];
  if (algo === undefined) {
    out.push({
      id: ref.ids.checksum, level: levelOf(ref.ids.checksum), status: 'skipped',
      message: `CHECKSUMTYPE ${type} cannot be recomputed by Bevara; ${path} not verified`,
      location: at(),
    });
    return out;
  }
  const want = sum.trim().toLowerCase();
  if (read.digests.get(algo) !== want) {
    mismatch(ref.ids.checksum, `${type} of ${path} is ${read.digests.get(algo)}, METS says ${sum}`, read.crlf?.digests.get(algo) === want);
  }
  return out;
}

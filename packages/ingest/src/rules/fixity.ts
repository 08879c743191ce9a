/**
 * Verifies what METS documents say about files: that each reference resolves to a file of the package, that
 * SIZE and CHECKSUM match the bytes, and which files no METS references. Every referenced file is read once,
 * computing all digests its references ask for in the same pass.
 */
import { createHash, type Hash } from 'node:crypto';
import type { Element } from 'libxmljs2';
import type { Level, Result } from '../report/types.ts';
import type { PackageView } from '../sip/types.ts';
import { all, attr, resolveHref, where, type MetsDocument } from './mets-model.ts';
import { HASHES } from './vocabularies.ts';

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
}

export async function checkFixity(pkg: PackageView, docs: readonly MetsDocument[], opts: FixityOptions): Promise<Result[]> {
  const out: Result[] = [];
  const fail = (id: string, mets: MetsDocument, el: Element, message: string) =>
    out.push({ id, level: opts.levelOf(id), status: 'failed', message, location: { file: mets.file, ...where(el) } });

  const refs: Reference[] = [];
  // Packages made on case-insensitive file systems often differ from their METS only in letter case.
  const byLowerCase = new Map(pkg.entries.filter((e) => e.type === 'file').map((e) => [e.path.toLowerCase(), e.path]));
  for (const mets of docs) {
    for (const kind of opts.kinds) {
      for (const locator of all(mets.root, kind.xpath)) {
        const href = attr(locator, 'href', 'xlink');
        if (href === undefined) continue; // a missing href is judged by the profile's rules
        const target = resolveHref(href, mets.dir);
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
  for (const [path, list] of byPath) {
    const algorithms = new Set<string>();
    for (const ref of list) {
      const t = attr(ref.holder, 'CHECKSUMTYPE');
      const algo = t === undefined ? undefined : HASHES[t];
      if (algo !== undefined) algorithms.add(algo);
    }
    const { size, digests } = await digest(pkg, path, [...algorithms]);
    for (const ref of list) {
      const declared = attr(ref.holder, 'SIZE');
      if (declared !== undefined && declared.trim() !== String(size)) {
        fail(ref.ids.size, ref.mets, ref.holder, `SIZE says ${declared} bytes but ${path} has ${size}`);
      }
      const type = attr(ref.holder, 'CHECKSUMTYPE');
      const sum = attr(ref.holder, 'CHECKSUM');
      if (type === undefined || sum === undefined) continue;
      const algo = HASHES[type];
      if (algo === undefined) {
        out.push({
          id: ref.ids.checksum, level: opts.levelOf(ref.ids.checksum), status: 'skipped',
          message: `CHECKSUMTYPE ${type} cannot be recomputed by Bevara; ${path} not verified`,
          location: { file: ref.mets.file, ...where(ref.holder) },
        });
      } else if (digests.get(algo) !== sum.trim().toLowerCase()) {
        fail(ref.ids.checksum, ref.mets, ref.holder, `${type} of ${path} is ${digests.get(algo)}, METS says ${sum}`);
      }
    }
    opts.progress?.(++done, byPath.size);
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
  return out;
}

async function digest(pkg: PackageView, path: string, algorithms: string[]): Promise<{ size: number; digests: Map<string, string> }> {
  const hashes: [string, Hash][] = algorithms.map((a) => [a, createHash(a)]);
  let size = 0;
  const stream = await pkg.open(path);
  for await (const chunk of stream) {
    const buf = chunk as Buffer;
    size += buf.length;
    for (const [, h] of hashes) h.update(buf);
  }
  return { size, digests: new Map(hashes.map(([a, h]) => [a, h.digest('hex')])) };
}

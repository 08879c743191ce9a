/**
 * Identifies a file's format by its PRONOM PUID, the way DROID does with default settings:
 * binary signatures over a bounded head and tail window, DROID's priorities, container
 * signatures for zip files, and the file extension only as a tie-breaker or a last resort.
 */
import { applyPriorities, droidSignatures, matchSignatures, type FileFormat } from './droid.ts';
import { containerSignatures, matchZipContainer } from './container.ts';
import type { ByteSource } from './source.ts';

export { bufferByteSource, fileByteSource, type ByteSource } from './source.ts';

export interface Identification {
  puid: string | null;
  name: string | null;
  version?: string;
  mime?: string;
  basis: 'signature' | 'container' | 'extension' | 'none';
  warnings?: string[];
}

/** Bytes read from each end of a file, as DROID's default "max bytes to scan" (64 KiB). */
export const SCAN_WINDOW = 64 * 1024;

export async function identify(source: ByteSource, name: string): Promise<Identification> {
  const sigs = droidSignatures();
  const { head, tail } = await readWindows(source);
  const hitFormats = new Set<FileFormat>();
  for (const id of matchSignatures(sigs, head, tail)) {
    for (const f of sigs.formatsOfSignature.get(id) ?? []) hitFormats.add(f);
  }
  let candidates = applyPriorities([...hitFormats]);
  let basis: Identification['basis'] = 'signature';
  const warnings: string[] = [];

  // The container is opened when any raw hit is a container format, before priorities: a more
  // specific binary hit (ODF's mimetype entry) must not hide what the entries say.
  const containers = containerSignatures();
  const container = [...hitFormats].map((f) => containers.triggers.get(f.puid)).find((t) => t !== undefined);
  if (container === 'ZIP') {
    try {
      const puids = await matchZipContainer(source, containers);
      const found = puids.map((p) => sigs.byPuid.get(p)).filter((f): f is FileFormat => f !== undefined);
      if (found.length > 0) {
        candidates = applyPriorities(found);
        basis = 'container';
      }
    } catch (e) {
      warnings.push(`the zip container could not be read (${(e as Error).message}); identified by its outer signature only`);
    }
  } else if (container === 'OLE2') {
    warnings.push('OLE2 containers are not inspected; the specific format inside is not identified');
  }

  const ext = extensionOf(name);
  if (candidates.length === 0) return byExtension(ext, sigs.byExtension.get(ext) ?? []);

  let chosen = candidates;
  if (chosen.length > 1) {
    // The extension breaks a tie between formats the bytes cannot tell apart.
    const withExt = chosen.filter((f) => f.extensions.includes(ext));
    if (withExt.length > 0) chosen = withExt;
    if (chosen.length > 1) {
      chosen = [...chosen].sort(comparePuid);
      warnings.push(`several formats match equally: ${chosen.map((f) => f.puid).join(', ')}; reporting ${chosen[0]!.puid}`);
    }
  }
  const best = chosen[0]!;
  if (ext !== '' && best.extensions.length > 0 && !best.extensions.includes(ext)) {
    warnings.push(`extension ".${ext}" does not match ${best.puid} (expected ${best.extensions.map((e) => '.' + e).join(', ')})`);
  }
  return result(best, basis, warnings);
}

/**
 * No signature matched. As DROID does by default, formats that have no signature at all are
 * matched by extension; failing that, a format whose signature did not match is reported with a
 * warning (an XML file without a declaration, say).
 */
function byExtension(ext: string, formats: FileFormat[]): Identification {
  const unsigned = formats.filter((f) => f.signatureIds.length === 0);
  const pool = unsigned.length > 0 ? unsigned : formats;
  if (pool.length === 0) {
    return { puid: null, name: null, basis: 'none', warnings: ['no signature and no extension identifies this file'] };
  }
  // With only a name to go on, the generic format is the safe claim: keep the formats that have
  // no priority over another candidate (plain XML rather than one of the XML dialects).
  const generic = pool.filter((f) => !pool.some((g) => g !== f && f.priorityOver.has(g.id)));
  const sorted = [...(generic.length > 0 ? generic : pool)].sort(comparePuid);
  const best = sorted[0]!;
  const warnings = [`identified by extension ".${ext}" only`];
  if (unsigned.length === 0) warnings.push(`the bytes do not match the signature of ${best.puid}`);
  if (sorted.length > 1) warnings.push(`other formats use ".${ext}": ${sorted.slice(1).map((f) => f.puid).join(', ')}`);
  return result(best, 'extension', warnings);
}

function result(f: FileFormat, basis: Identification['basis'], warnings: string[]): Identification {
  const id: Identification = { puid: f.puid, name: f.name, basis };
  if (f.version !== undefined) id.version = f.version;
  if (f.mime !== undefined) id.mime = f.mime;
  if (warnings.length > 0) id.warnings = warnings;
  return id;
}

/** Two reads at most: the whole file when small, else its first and last SCAN_WINDOW bytes. */
async function readWindows(source: ByteSource): Promise<{ head: Buffer; tail: Buffer }> {
  if (source.size <= 2 * SCAN_WINDOW) {
    const all = await source.read(0, source.size);
    return { head: all, tail: all };
  }
  const head = await source.read(0, SCAN_WINDOW);
  const tail = await source.read(source.size - SCAN_WINDOW, SCAN_WINDOW);
  return { head, tail };
}

function extensionOf(name: string): string {
  const base = name.slice(name.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
}

/** A stable order: fmt before x-fmt, then by number. */
function comparePuid(a: FileFormat, b: FileFormat): number {
  const [pa, na] = splitPuid(a.puid);
  const [pb, nb] = splitPuid(b.puid);
  return pa === pb ? na - nb : pa < pb ? -1 : 1;
}

function splitPuid(puid: string): [string, number] {
  const slash = puid.lastIndexOf('/');
  return [puid.slice(0, slash), Number(puid.slice(slash + 1))];
}

import { posix } from 'node:path';
import { contentInfo } from './content.ts';
import { childrenNamed, walk, type XmlElement } from './xml.ts';
import type { PackageSpec, SpecFile } from './types.ts';

/**
 * Resolves a reference written in a package XML file to a package path: `file:///Content/x` and
 * `file:Content/x` are package-root relative (FGS 1.2 practice), anything else is relative to the
 * folder of the XML file that holds it (E-ARK).
 */
export function resolveHref(fromPath: string, href: string): string {
  if (href.startsWith('file:///')) return posix.normalize(href.slice('file:///'.length));
  if (href.startsWith('file:')) return posix.normalize(href.slice('file:'.length));
  return posix.normalize(posix.join(posix.dirname(fromPath), href));
}

function referencedHref(node: XmlElement): string | undefined {
  if (node.name === 'mdRef' || node.name === 'mptr') return node.attrs['xlink:href'];
  if (node.name === 'file') return childrenNamed(node, 'FLocat')[0]?.attrs['xlink:href'];
  if (node.name === 'Bilaga') return node.attrs['Lank'];
  return undefined;
}

/**
 * Recomputes every size and checksum a package's XML files state about the files they reference,
 * in `sealOrder`, so that a changed ERMS or representation METS is correctly described again. Only
 * attributes already present are updated: a variant that dropped one keeps it dropped.
 */
export function reseal(spec: PackageSpec): void {
  const byPath = new Map<string, SpecFile>(spec.files.map((f) => [f.path, f]));
  for (const xmlPath of spec.sealOrder) {
    const holder = byPath.get(xmlPath);
    if (!holder || holder.content.kind !== 'xml') continue;
    for (const { node } of walk(holder.content.root)) {
      const href = referencedHref(node);
      if (href === undefined) continue;
      const target = byPath.get(resolveHref(xmlPath, href));
      if (!target) continue;
      const info = contentInfo(target.content);
      for (const [sizeAttr, sumAttr] of [['SIZE', 'CHECKSUM'], ['Storlek', 'Checksumma']] as const) {
        if (sizeAttr in node.attrs) node.attrs[sizeAttr] = String(info.size);
        if (sumAttr in node.attrs) node.attrs[sumAttr] = info.sha256;
      }
    }
  }
}

/**
 * A tiny XML element tree for the generated metadata. The generator keeps METS and ERMS documents
 * as trees (not text) so that invalid variants can drop an attribute or an element precisely and
 * `reseal()` can recompute the checksums that point at them before anything is serialised.
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
}
export type XmlNode = XmlElement | string;

/** Builds an element; attributes whose value is undefined are left out, so callers can pass optionals. */
export function el(
  name: string,
  attrs: Record<string, string | number | undefined> = {},
  children: Array<XmlNode | undefined | false> = [],
): XmlElement {
  const kept: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) kept[k] = String(v);
  return { name, attrs: kept, children: children.filter((c): c is XmlNode => c !== undefined && c !== false) };
}

/** An element holding only text. */
export function textEl(name: string, text: string, attrs: Record<string, string | number | undefined> = {}): XmlElement {
  return el(name, attrs, [text]);
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Serialises with two-space indentation; mixed content (text beside elements) is not produced by the generator. */
export function serializeXml(root: XmlElement): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>\n'];
  write(root, 0, out);
  return out.join('');
}

function write(node: XmlElement, depth: number, out: string[]): void {
  const pad = '  '.repeat(depth);
  const attrs = Object.entries(node.attrs)
    .map(([k, v]) => ` ${k}="${escapeXml(v)}"`)
    .join('');
  if (node.children.length === 0) {
    out.push(`${pad}<${node.name}${attrs}/>\n`);
    return;
  }
  if (node.children.every((c) => typeof c === 'string')) {
    out.push(`${pad}<${node.name}${attrs}>${escapeXml(node.children.join(''))}</${node.name}>\n`);
    return;
  }
  out.push(`${pad}<${node.name}${attrs}>\n`);
  for (const child of node.children) {
    if (typeof child === 'string') out.push(`${pad}  ${escapeXml(child)}\n`);
    else write(child, depth + 1, out);
  }
  out.push(`${pad}</${node.name}>\n`);
}

/** Child elements of `parent` with the given qualified name. */
export function childrenNamed(parent: XmlElement, name: string): XmlElement[] {
  return parent.children.filter((c): c is XmlElement => typeof c !== 'string' && c.name === name);
}

/** Every element below (and including) `root`, depth first, with its parent. */
export function* walk(root: XmlElement, parent?: XmlElement): Generator<{ node: XmlElement; parent: XmlElement | undefined }> {
  yield { node: root, parent };
  for (const child of root.children) if (typeof child !== 'string') yield* walk(child, root);
}

/**
 * Follows a slash-separated path of qualified names from `root` (whose own name is the first step),
 * e.g. `mets/metsHdr/agent`, returning every match.
 */
export function select(root: XmlElement, path: string): XmlElement[] {
  const steps = path.split('/');
  if (steps[0] !== root.name) return [];
  let current = [root];
  for (const step of steps.slice(1)) current = current.flatMap((n) => childrenNamed(n, step));
  return current;
}

/** Like `select` but requires a match: the generator's own trees always have it, so a miss is a programming error. */
export function selectOne(root: XmlElement, path: string, where?: (e: XmlElement) => boolean): XmlElement {
  const found = select(root, path).find((e) => (where ? where(e) : true));
  if (!found) throw new Error(`generator: no element at ${path}`);
  return found;
}

/** Removes `node` from `parent`'s children. */
export function removeChild(parent: XmlElement, node: XmlElement): void {
  const i = parent.children.indexOf(node);
  if (i >= 0) parent.children.splice(i, 1);
}

/** Deep copy, so a mutation of one package spec never reaches another. */
export function cloneXml(node: XmlElement): XmlElement {
  return { name: node.name, attrs: { ...node.attrs }, children: node.children.map((c) => (typeof c === 'string' ? c : cloneXml(c))) };
}

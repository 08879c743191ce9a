/**
 * DOM parse with libxmljs2, only of bytes that passed readXmlSafely. Network access, entity substitution and
 * DTD loading are switched off as a second line of defence. This parse is also what judges well-formedness.
 */
import libxml, { type Document, type Element } from 'libxmljs2';
import { IngestError } from '../errors.ts';

export function parseSafeBytes(bytes: Buffer, name: string, baseUrl?: string): Document {
  try {
    return libxml.parseXml(bytes as unknown as string, {
      nonet: true,
      noent: false,
      dtdload: false,
      dtdvalid: false,
      dtdattr: false,
      huge: true,
      ...(baseUrl === undefined ? {} : { baseUrl }),
    });
  } catch (cause) {
    // libxml2's first fatal error, with its line: the safe pre-parse leaves well-formedness to this parse.
    const { message, line } = cause as { message?: unknown; line?: unknown };
    const why = typeof message === 'string' && message.trim() !== '' ? `: ${message.trim()}` : '';
    throw new IngestError('I-011', `XML is not well-formed${why}`, { file: name, ...(typeof line === 'number' && line > 0 ? { line } : {}) }, { cause });
  }
}

/** A readable XPath of an element, with namespace prefixes as the document wrote them and 1-based positions. */
export function xpathOf(el: Element): string {
  const steps: string[] = [];
  let node: Element | null = el;
  while (node !== null && node.type() === 'element') {
    const prefix = node.namespace()?.prefix();
    const qname = prefix ? `${prefix}:${node.name()}` : node.name();
    const parent: unknown = node.parent();
    if (parent instanceof libxml.Element) {
      const position = siblingPositions(parent).get(node);
      steps.unshift(position && position.of > 1 ? `${qname}[${position.index}]` : qname);
      node = parent;
    } else {
      steps.unshift(qname);
      node = null;
    }
  }
  return `/${steps.join('/')}`;
}

/**
 * Each element child's position among its same-named siblings, computed once per parent: a METS with
 * 10,000 <file> elements would otherwise cost 10,000 sibling scans per location. libxmljs2 hands out
 * the same wrapper object for a node every time, so the wrapper can key the cache.
 */
const positionsByParent = new WeakMap<Element, Map<Element, { index: number; of: number }>>();

function siblingPositions(parent: Element): Map<Element, { index: number; of: number }> {
  let positions = positionsByParent.get(parent);
  if (positions) return positions;
  positions = new Map();
  const byName = new Map<string, Element[]>();
  for (const c of parent.childNodes()) {
    if (c.type() !== 'element') continue;
    const child = c as Element;
    const group = byName.get(child.name()) ?? byName.set(child.name(), []).get(child.name())!;
    group.push(child);
  }
  for (const group of byName.values()) group.forEach((child, i) => positions!.set(child, { index: i + 1, of: group.length }));
  positionsByParent.set(parent, positions);
  return positions;
}

/** libxmljs2's element type, re-exported for code outside this package that walks parsed documents. */
export type { Element as XmlElement } from 'libxmljs2';

/**
 * DOM parse with libxmljs2, only of bytes that passed readXmlSafely. Network access, entity substitution and
 * DTD loading are switched off as a second line of defence.
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
    throw new IngestError('I-011', 'XML is not well-formed', { file: name }, { cause });
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
      const same = parent.childNodes().filter(
        (c) => c.type() === 'element' && (c as Element).name() === node!.name(),
      );
      steps.unshift(same.length > 1 ? `${qname}[${same.indexOf(node) + 1}]` : qname);
      node = parent;
    } else {
      steps.unshift(qname);
      node = null;
    }
  }
  return `/${steps.join('/')}`;
}

/** libxmljs2's element type, re-exported for code outside this package that walks parsed documents. */
export type { Element as XmlElement } from 'libxmljs2';

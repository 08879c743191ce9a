/**
 * What the METS rules look at: one parsed METS document, where it sits in the package, and small helpers for
 * XPath queries, attributes, locations and resolving xlink:href values to package paths.
 */
import type { Document, Element } from 'libxmljs2';
import type { Location } from '../report/types.ts';
import type { PackageView } from '../sip/types.ts';
import { xpathOf } from '../xml/dom.ts';

export const NS = {
  mets: 'http://www.loc.gov/METS/',
  xlink: 'http://www.w3.org/1999/xlink',
  csip: 'https://DILCIS.eu/XML/METS/CSIPExtensionMETS',
  sip: 'https://DILCIS.eu/XML/METS/SIPExtensionMETS',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
  ext: 'ExtensionMETS',
} as const;

export interface MetsDocument {
  /** Package path of the METS file. */
  file: string;
  /** Package path of the folder holding it ('' for the package root). */
  dir: string;
  doc: Document;
  root: Element;
  /** 'root' for the package METS, 'representation' for representations/<name>/METS.xml. */
  kind: 'root' | 'representation';
  /** The representation folder's name, for a representation METS. */
  repName?: string;
}

export interface MetsContext {
  pkg: PackageView;
  mets: MetsDocument;
}

/**
 * Query results per node and XPath: a dozen rules ask for the same 10,000 <file> elements of a METS, and each
 * libxml2 query walks the document again and wraps every node it returns. A document is never changed once parsed
 * (see attrsOf), so a result stays right for the life of its node; each caller gets its own copy of the list.
 */
const queries = new WeakMap<Element | Document, Map<string, Element[]>>();

function query(node: Element | Document, xpath: string): Element[] {
  let byXpath = queries.get(node);
  if (byXpath === undefined) {
    byXpath = new Map();
    queries.set(node, byXpath);
  }
  let found = byXpath.get(xpath);
  if (found === undefined) {
    found = node.find<Element>(xpath, NS);
    byXpath.set(xpath, found);
  }
  return found;
}

export function all(node: Element | Document, xpath: string): Element[] {
  return query(node, xpath).slice();
}

export function first(node: Element | Document, xpath: string): Element | undefined {
  return query(node, xpath)[0];
}

/**
 * Each element's attributes, read once: the rules ask for attributes of the same 10,000 <file> elements many
 * times, and every libxmljs2 attrs() call builds fresh wrapper objects. libxmljs2 hands out the same wrapper for a
 * node every time, so the wrapper keys the cache; the rules never change a document.
 */
interface Attributes {
  /** Attributes in no namespace, by local name. */
  plain: Map<string, string>;
  /** Namespaced attributes, by namespace URI, then local name (absent when there are none). */
  qualified?: Map<string, Map<string, string>>;
}

const attrsByElement = new WeakMap<Element, Attributes>();

function attrsOf(el: Element): Attributes {
  let attrs = attrsByElement.get(el);
  if (attrs === undefined) {
    attrs = { plain: new Map() };
    for (const a of el.attrs()) {
      const ns = a.namespace()?.href();
      if (ns === undefined) {
        attrs.plain.set(a.name(), a.value());
      } else {
        attrs.qualified ??= new Map();
        const byName = attrs.qualified.get(ns) ?? attrs.qualified.set(ns, new Map()).get(ns)!;
        byName.set(a.name(), a.value());
      }
    }
    attrsByElement.set(el, attrs);
  }
  return attrs;
}

/** An attribute's value, or undefined when absent. `ns` is a key of NS for a namespaced attribute. */
export function attr(el: Element, name: string, ns?: keyof typeof NS): string | undefined {
  // An unprefixed name asks for the attribute in no namespace: a namespaced one of the same local name never matches.
  const attrs = attrsOf(el);
  return ns === undefined ? attrs.plain.get(name) : attrs.qualified?.get(NS[ns])?.get(name);
}

export function textOf(el: Element): string {
  return el.text().trim();
}

export function where(el: Element): Partial<Location> {
  return { line: el.line(), xpath: xpathOf(el) };
}

/** Space-separated IDREFS as a list. */
export function idrefs(value: string | undefined): string[] {
  return (value ?? '').split(/\s+/).filter((s) => s !== '');
}

/** Locator XPath of the files a METS fileSec lists: the one query every rule over files shares (see query). */
export const FILE_LOCATORS = 'mets:fileSec//mets:file/mets:FLocat';

/**
 * What a locator's (FLocat, mdRef) xlink:href resolves to, against the folder of the METS that holds it; undefined
 * when it has no xlink:href. Worked out once per element: the rules, the format policy and the ERMS and PREMIS
 * look-ups each go over the same 10,000 references of a large METS. An element lies in one METS, so in one folder.
 */
export function locatorTarget(el: Element, baseDir: string): HrefTarget | undefined {
  let target = targets.get(el);
  if (target === undefined && !targets.has(el)) {
    const href = attr(el, 'href', 'xlink');
    target = href === undefined ? undefined : resolveHref(href, baseDir);
    targets.set(el, target);
  }
  return target;
}

const targets = new WeakMap<Element, HrefTarget | undefined>();

export type HrefTarget =
  | { kind: 'package'; path: string }
  | { kind: 'external'; href: string }
  | { kind: 'invalid'; reason: string };

/**
 * Resolves an xlink:href against the folder of the METS that holds it. `file:` URLs and relative paths are
 * package-relative; any other scheme is external. A path that climbs out of the package root is invalid.
 */
export function resolveHref(href: string, baseDir: string): HrefTarget {
  const trimmed = href.trim();
  if (trimmed === '') return { kind: 'invalid', reason: 'empty href' };
  let path: string;
  let fromRoot = false;
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(trimmed)?.[1]?.toLowerCase();
  if (scheme === 'file') {
    // file:///Content/a.pdf (FGS 1.2 habit) and file:a.pdf; both address the package, never the host's disk.
    const rest = trimmed.slice(5);
    fromRoot = rest.startsWith('//');
    path = rest.replace(/^\/\/\/?/, '').replace(/^\/+/, '');
  } else if (scheme !== undefined && scheme.length > 1) {
    return { kind: 'external', href: trimmed };
  } else {
    path = trimmed;
  }
  try {
    path = decodeURIComponent(path);
  } catch {
    return { kind: 'invalid', reason: 'malformed percent-encoding' };
  }
  const segments = fromRoot || baseDir === '' ? [] : baseDir.split('/');
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (segments.length === 0) return { kind: 'invalid', reason: 'path climbs out of the package' };
      segments.pop();
    } else {
      segments.push(seg);
    }
  }
  if (segments.length === 0) return { kind: 'invalid', reason: 'href names no file' };
  return { kind: 'package', path: segments.join('/') };
}

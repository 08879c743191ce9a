/**
 * CITS ERMS requirements (ERMS1…), each by its own ID, from the tables of the specification text
 * (erms-requirements.ts). Every requirement names a path, a cardinality within its parent and a level; Bevara
 * checks, for each instance of the parent, that the element or attribute occurs at least `min` times (MUST:
 * failed, SHOULD: warning) and at most `max` times (failed at any level). A relative path ('restriction/…')
 * applies wherever its first element occurs. Requirements whose path column holds no path are not judged
 * (erms-requirements.ts lists them). Vocabularies and types are judged by the schema (BEVARA-006).
 */
import type { Document, Element } from 'libxmljs2';
import type { Level, Result } from '../report/types.ts';
import { RuleReporter } from './engine.ts';
import { ERMS_V2_1, ERMS_V3_0, type ErmsRequirement } from './erms-requirements.ts';
import { attr, where } from './mets-model.ts';

const NS = { e: 'https://DILCIS.eu/XML/ERMS' };

interface Compiled {
  req: ErmsRequirement;
  /** XPath of the parent instances, or undefined when the path has one step (no parent to count within). */
  parent: string | undefined;
  /** The counted step relative to a parent: an attribute name or an element step XPath (with its simple form, if it has one). */
  step: { attribute: string } | { element: string; test: StepTest | undefined };
  /** Human form of the step for messages. */
  label: string;
}

/** Steps split on '/' outside predicates; an element step gets the ERMS prefix, its predicates stay as written. */
function steps(path: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of path) {
    if (ch === '[') depth++;
    if (ch === ']') depth--;
    if (ch === '/' && depth === 0) { out.push(cur); cur = ''; } else cur += ch;
  }
  out.push(cur);
  return out.filter((s) => s !== '');
}

const prefixed = (step: string): string => (step.startsWith('@') ? step : `e:${step}`);

function compile(req: ErmsRequirement): Compiled {
  const s = steps(req.path);
  const last = s.at(-1)!;
  const absolute = s[0] === 'erms';
  const parentSteps = s.slice(0, -1).map(prefixed);
  const parent = parentSteps.length === 0 ? undefined : `${absolute ? '/' : '//'}${parentSteps.join('/')}`;
  const step = last.startsWith('@') ? { attribute: last.slice(1) } : { element: prefixed(last), test: stepTest(prefixed(last)) };
  return { req, parent, step, label: last };
}

const COMPILED = new Map<string, Compiled[]>([
  ['2.1', ERMS_V2_1.map(compile)],
  ['3.0', ERMS_V3_0.map(compile)],
]);

export function ermsRequirementIds(version: '2.1' | '3.0'): string[] {
  return (COMPILED.get(version) ?? []).map((c) => c.req.id);
}

/** An element step as the requirement tables write them: a name, optionally with one attribute-equals predicate. */
interface StepTest { name: string; attribute?: { name: string; value: string } }

function stepTest(step: string): StepTest | undefined {
  const m = /^e:([\w.-]+)(?:\[@([\w.-]+)="([^"]*)"\])?$/.exec(step);
  if (!m) return undefined;
  return { name: m[1]!, ...(m[2] === undefined ? {} : { attribute: { name: m[2], value: m[3]! } }) };
}

function passes(el: Element, test: StepTest): boolean {
  return test.attribute === undefined || attr(el, test.attribute.name) === test.attribute.value;
}

interface ErmsNode {
  el: Element;
  name: string;
  /** The parent, when it is an ERMS element. */
  parent: ErmsNode | undefined;
  /** True for the document element. */
  isRoot: boolean;
  /** ERMS element children by local name, in document order. */
  children: Map<string, Element[]>;
}

/**
 * The document's ERMS elements, gathered by one XPath and linked to their parents: about 270 requirements each
 * select parents by a path and count children within each, and an XPath per requirement and per parent dominated
 * large documents. Paths and steps the tables write in a simple form are answered from here, in document order as
 * XPath would; any other form still goes through XPath.
 */
class ErmsTree {
  /** Every ERMS element by local name, each list in document order. */
  private readonly byName = new Map<string, ErmsNode[]>();
  private readonly byElement = new Map<Element, ErmsNode>();
  private readonly selections = new Map<string, ErmsNode[] | undefined>();

  constructor(private readonly doc: Document) {
    const root = doc.root();
    for (const el of doc.find<Element>('//e:*', NS)) {
      const parent = this.byElement.get(el.parent() as Element);
      const node: ErmsNode = { el, name: el.name(), parent, isRoot: el === root, children: new Map() };
      if (parent !== undefined) {
        const siblings = parent.children.get(node.name);
        if (siblings === undefined) parent.children.set(node.name, [el]);
        else siblings.push(el);
      }
      const named = this.byName.get(node.name);
      if (named === undefined) this.byName.set(node.name, [node]);
      else named.push(node);
      this.byElement.set(el, node);
    }
  }

  /** The parent instances a compiled requirement names. */
  parents(path: string): { el: Element; name: string }[] {
    return this.select(path) ?? this.doc.find<Element>(path, NS).map((el) => ({ el, name: el.name() }));
  }

  /** How many times the counted step occurs within one parent. */
  count(parent: Element, c: Compiled): number {
    if ('attribute' in c.step) return attr(parent, c.step.attribute) === undefined ? 0 : 1;
    const node = this.byElement.get(parent);
    const test = c.step.test;
    if (node === undefined || test === undefined) return parent.find(c.step.element, NS).length;
    const children = node.children.get(test.name) ?? [];
    return test.attribute === undefined ? children.length : children.filter((el) => passes(el, test)).length;
  }

  /** The ERMS elements an absolute (/e:a/e:b) or relative (//e:a/e:b) path selects, or undefined for other forms. */
  private select(path: string): ErmsNode[] | undefined {
    if (this.selections.has(path)) return this.selections.get(path);
    const absolute = !path.startsWith('//');
    const tests = steps(path).map(stepTest);
    let out: ErmsNode[] | undefined;
    if (!tests.includes(undefined)) {
      const chain = tests as StepTest[];
      out = (this.byName.get(chain.at(-1)!.name) ?? []).filter((n) => matchesChain(n, chain, absolute));
    }
    this.selections.set(path, out);
    return out;
  }
}

function matchesChain(node: ErmsNode, chain: readonly StepTest[], absolute: boolean): boolean {
  let n: ErmsNode | undefined = node;
  for (let j = chain.length - 1; j >= 0; j--) {
    const test = chain[j]!;
    if (n === undefined || n.name !== test.name || !passes(n.el, test)) return false;
    if (j > 0) n = n.parent;
  }
  return !absolute || n!.isRoot;
}

/** Judges one CITS ERMS document against the requirements of its version. */
export function checkErmsRequirements(doc: Document, version: '2.1' | '3.0', file: string): Result[] {
  const out: Result[] = [];
  // An ID may head several table rows (none today); their findings share one reporter.
  const reporters = new Map<string, RuleReporter>();
  const texts = new Map<string, string>();
  const tree = new ErmsTree(doc);
  for (const c of COMPILED.get(version) ?? []) {
    const { id, level, min, max, name, path } = c.req;
    let r = reporters.get(id);
    if (r === undefined) {
      r = new RuleReporter(id, level as Level, file);
      reporters.set(id, r);
      texts.set(id, `${name}: ${path} occurs ${min}..${max ?? 'n'} times (CITS ERMS ${version})`);
    }
    // A one-step relative path ('restriction') names no parent to count within; the schema bounds it.
    if (c.parent === undefined) { r.skip(`${path} names no parent; its occurrence is judged by the schema (BEVARA-006)`); continue; }
    const parents = tree.parents(c.parent);
    if (parents.length === 0) { r.skip(`no ${c.parent.replace(/e:/g, '')} in the document`); continue; }
    for (const { el, name: parentName } of parents) {
      const n = tree.count(el, c);
      if (n < min || (min === 0 && n === 0 && level === 'SHOULD')) {
        if (level === 'MUST') r.fail(`${c.label} is missing under ${parentName} (${path} is required)`, () => where(el));
        else if (level === 'SHOULD') r.warn(`${c.label} is missing under ${parentName} (${path} is recommended)`, () => where(el));
      }
      if (max !== null && n > max) r.fail(`${c.label} occurs ${n} times under ${parentName}; at most ${max} allowed`, () => where(el));
    }
  }
  for (const [id, r] of reporters) out.push(...r.results(texts.get(id)!));
  return out;
}

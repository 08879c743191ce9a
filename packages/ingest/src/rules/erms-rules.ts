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
  /** The counted step relative to a parent: an attribute name or an element step XPath. */
  step: { attribute: string } | { element: string };
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
  const step = last.startsWith('@') ? { attribute: last.slice(1) } : { element: prefixed(last) };
  return { req, parent, step, label: last };
}

const COMPILED = new Map<string, Compiled[]>([
  ['2.1', ERMS_V2_1.map(compile)],
  ['3.0', ERMS_V3_0.map(compile)],
]);

export function ermsRequirementIds(version: '2.1' | '3.0'): string[] {
  return (COMPILED.get(version) ?? []).map((c) => c.req.id);
}

/**
 * How many element children of each ERMS name a parent has, counted once per parent: about 270 requirements
 * count within the same parents, and an XPath per parent and requirement dominated large documents.
 */
const childNamesByParent = new WeakMap<Element, Map<string, number>>();

function childNameCounts(parent: Element): Map<string, number> {
  let counts = childNamesByParent.get(parent);
  if (counts === undefined) {
    counts = new Map();
    for (const c of parent.childNodes()) {
      if (c.type() !== 'element') continue;
      const e = c as Element;
      if (e.namespace()?.href() !== NS.e) continue;
      counts.set(e.name(), (counts.get(e.name()) ?? 0) + 1);
    }
    childNamesByParent.set(parent, counts);
  }
  return counts;
}

function count(parent: Element, c: Compiled): number {
  if ('attribute' in c.step) return attr(parent, c.step.attribute) === undefined ? 0 : 1;
  // A plain child name is counted from the cached tally; a step with a predicate goes through XPath.
  const plain = /^e:([\w.-]+)$/.exec(c.step.element)?.[1];
  return plain === undefined ? parent.find(c.step.element, NS).length : (childNameCounts(parent).get(plain) ?? 0);
}

/** Judges one CITS ERMS document against the requirements of its version. */
export function checkErmsRequirements(doc: Document, version: '2.1' | '3.0', file: string): Result[] {
  const out: Result[] = [];
  // An ID may head several table rows (none today); their findings share one reporter.
  const reporters = new Map<string, RuleReporter>();
  const texts = new Map<string, string>();
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
    const parents = doc.find<Element>(c.parent, NS);
    if (parents.length === 0) { r.skip(`no ${c.parent.replace(/e:/g, '')} in the document`); continue; }
    for (const p of parents) {
      const n = count(p, c);
      if (n < min || (min === 0 && n === 0 && level === 'SHOULD')) {
        if (level === 'MUST') r.fail(`${c.label} is missing under ${p.name()} (${path} is required)`, where(p));
        else if (level === 'SHOULD') r.warn(`${c.label} is missing under ${p.name()} (${path} is recommended)`, where(p));
      }
      if (max !== null && n > max) r.fail(`${c.label} occurs ${n} times under ${p.name()}; at most ${max} allowed`, where(p));
    }
  }
  for (const [id, r] of reporters) out.push(...r.results(texts.get(id)!));
  return out;
}

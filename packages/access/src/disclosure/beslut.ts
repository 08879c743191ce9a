/**
 * The decision document (beslut) in Swedish, from the template `packages/access/templates/beslut.sv.txt`:
 * what is released, what is masked and refused with which provision, the reasons (FL 32 §) and how to
 * appeal (överklagandehänvisning, FL 33 §: in writing, to the kammarrätt, sent to the deciding authority
 * within three weeks of notification). Records are named by their object ids and files by their names,
 * never by titles, which may themselves be withheld.
 */
import { readFileSync } from 'node:fs';
import { defaultProvisions, findProvision } from '../secrecy/provisions.ts';
import { parseCitation } from '../secrecy/citation.ts';
import { type DisclosureDecision, type DocumentOutcome } from './model.ts';
import { textPdf } from './pdf.ts';

let template: string | undefined;
const loadTemplate = (): string => (template ??= readFileSync(new URL('../../templates/beslut.sv.txt', import.meta.url), 'utf8'));

export function renderDecisionText(decision: DisclosureDecision, requester: { name?: string }): string {
  const docs = decision.documents;
  const list = (items: string[]): string => (items.length === 0 ? '- Inga.' : items.map((i) => `- ${i}`).join('\n'));
  const label = (d: DocumentOutcome): string => `${d.name} (handling ${d.record})`;
  const values: Record<string, string> = {
    myndighet: decision.authority,
    datum: decision.decidedAt.slice(0, 10),
    referens: decision.reference,
    mottagen: decision.receivedAt.slice(0, 10),
    sokande: requester.name ?? 'Sökanden har inte uppgett sitt namn.',
    handlingar: list([...new Set(docs.map((d) => d.record))].map((r) => `Handling ${r} (${docs.filter((d) => d.record === r).length} fil(er))`)),
    utlamnas: list(docs.filter((d) => d.outcome === 'release').map(label)),
    maskeras: list(docs.filter((d) => d.outcome === 'mask').map((d) => `${label(d)}: ${maskedParts(d)}`)),
    avslas: list(docs.filter((d) => d.outcome === 'refuse').map((d) => `${label(d)}: sekretess enligt ${d.ground}`)),
    skal: decision.reasons,
    beslutsfattare: decision.decidedBy,
  };
  return loadTemplate().replace(/\{\{(\w+)\}\}/g, (_, key: string) => values[key] ?? '');
}

export function renderDecisionPdf(text: string, reference: string): Promise<Uint8Array> {
  return textPdf(text, `Beslut ${reference}`);
}

/** Default reasons when the archivist gives none: each provision applied and what it protects. */
export function defaultReasons(docs: readonly DocumentOutcome[]): string {
  const grounds = [...new Set(docs.flatMap((d) => [...(d.ground ? [d.ground] : []), ...(d.withheld ?? []).map((w) => w.ground)]))];
  if (grounds.length === 0) return 'Handlingarna är allmänna och offentliga. Det finns inget hinder mot att lämna ut dem.';
  const table = defaultProvisions();
  return grounds.map((g) => {
    const c = parseCitation(g);
    const p = c ? findProvision(table, c.chapter, c.section) : undefined;
    return `Uppgifterna som inte lämnas ut omfattas av sekretess enligt ${g}${p ? ` (${p.subject})` : ''}. Vid prövningen har bedömts att uppgifterna inte kan lämnas ut utan att den som uppgifterna rör eller någon närstående till denne lider skada eller men.`;
  }).join('\n\n');
}

function maskedParts(d: DocumentOutcome): string {
  const parts: string[] = [];
  for (const w of d.withheld ?? []) {
    if (w.pages?.length) parts.push(`${w.pages.length === 1 ? 'sidan' : 'sidorna'} ${w.pages.join(', ')} enligt ${w.ground}`);
    if (w.field === 'title') parts.push(`handlingens rubrik enligt ${w.ground}`);
  }
  return parts.join('; ');
}

/**
 * The stored form of a disclosure decision (beslut om utlämnande), kept as a Bevara-written file in every
 * AIP concerned (`metadata/bevara/disclosure/<ref>/beslut.json`), so that a catalog rebuild, another
 * installation or a reader with a text editor finds exactly what was released, masked and refused, and
 * on which ground. The DIP is built from this file, never from working state.
 */
import { DisclosureError } from './errors.ts';

export const DECISION_FORMAT = 'bevara-disclosure-decision/1';
export const decisionDir = (reference: string): string => `metadata/bevara/disclosure/${reference}`;
export const decisionPaths = (reference: string) => ({
  json: `${decisionDir(reference)}/beslut.json`,
  text: `${decisionDir(reference)}/beslut.txt`,
  pdf: `${decisionDir(reference)}/beslut.pdf`,
});

/** A part of a document that is withheld while the rest is released. */
export interface WithheldPart {
  /** 1-based page numbers of a PDF, withheld by rebuilding the file without their content. */
  pages?: number[];
  /** A metadata field of the record left out of the delivery. */
  field?: 'title';
  ground: string;
}

export interface DocumentOutcome {
  /** The record's ERMS object id and public id, and the AIP it is in. */
  record: string;
  recordId: string;
  aipId: string;
  /** Public file id (f…), logical path in the AIP, the file's name. */
  document: string;
  path: string;
  name: string;
  mimeType: string;
  sha256: string;
  outcome: 'release' | 'mask' | 'refuse';
  /** For `refuse`: the provision. */
  ground?: string;
  /** For `mask`: what is withheld, each with its provision. */
  withheld?: WithheldPart[];
}

export interface DisclosureDecision {
  format: typeof DECISION_FORMAT;
  reference: string;
  decidedAt: string;
  decidedBy: string;
  /** The deciding authority as the records' cases name it (the nämnd). */
  authority: string;
  receivedAt: string;
  /** The reasons (FL 32 §), in Swedish. */
  reasons: string;
  documents: DocumentOutcome[];
}

export function parseDecision(bytes: Buffer, where: string): DisclosureDecision {
  let value: Partial<DisclosureDecision> | null;
  try {
    value = JSON.parse(bytes.toString('utf8')) as Partial<DisclosureDecision> | null;
  } catch (cause) {
    throw new DisclosureError('A-108', `${where}: not JSON`, { path: where }, { cause });
  }
  if (!value || value.format !== DECISION_FORMAT || typeof value.reference !== 'string' || !Array.isArray(value.documents)) {
    throw new DisclosureError('A-108', `${where}: not a ${DECISION_FORMAT} document`, { path: where });
  }
  for (const d of value.documents) {
    const ok = d && typeof d.path === 'string' && typeof d.aipId === 'string' && ['release', 'mask', 'refuse'].includes(d.outcome)
      && (d.outcome !== 'refuse' || typeof d.ground === 'string')
      && (d.outcome !== 'mask' || (Array.isArray(d.withheld) && d.withheld.length > 0 && d.withheld.every((w) => typeof w.ground === 'string')));
    if (!ok) throw new DisclosureError('A-108', `${where}: a document outcome is malformed`, { path: where });
  }
  return value as DisclosureDecision;
}

/** Pages withheld from a document, sorted, each once. */
export function withheldPages(d: DocumentOutcome): number[] {
  return [...new Set((d.withheld ?? []).flatMap((w) => w.pages ?? []))].sort((a, b) => a - b);
}

export function withheldFields(d: DocumentOutcome): Set<string> {
  return new Set((d.withheld ?? []).flatMap((w) => (w.field ? [w.field] : [])));
}

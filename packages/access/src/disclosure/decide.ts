/**
 * An archivist's decision on a request (`bevara disclose decide`): every document of every record asked
 * for is released, masked (pages of a PDF or the record's title withheld, each with its provision) or
 * refused with its provision. The decision, its text and its PDF become a new version of each AIP
 * concerned, with a PREMIS event; then an audit-log entry; then the request's state says where it is kept.
 */
import type { Archive, LockedWrites } from '@bevara/storage';
import { readStoredFile } from '../stored-file.ts';
import { formatCitation, parseCitation } from '../secrecy/citation.ts';
import { defaultReasons, renderDecisionPdf, renderDecisionText } from './beslut.ts';
import { DisclosureError } from './errors.ts';
import { DECISION_FORMAT, decisionPaths, type DisclosureDecision, type DocumentOutcome, type WithheldPart } from './model.ts';
import { MAX_MASKED_PDF_BYTES, pdfPageCount } from './pdf.ts';
import { reviewRecords, type ReviewDocument, type ReviewRecord } from './review.ts';
import { readRequest, saveRequest } from './state.ts';

export interface DecideInput {
  reference: string;
  /** Documents released in full: a file id (f…) or the file's path in the package. */
  release?: readonly string[];
  /** "DOC:PART", PART being "page 2", "pages 1-3,5" or "title"; "=GROUND" at the end overrides `ground`. */
  mask?: readonly string[];
  /** Documents refused; "=GROUND" at the end overrides `ground`. */
  refuse?: readonly string[];
  /** The provision of every withholding that does not name its own, e.g. "OSL 26 kap. 1 §". */
  ground?: string;
  /** The reasons (FL 32 §); a text naming each provision and what it protects when absent. */
  reasons?: string;
  by: string;
}

export interface DecideOutcome {
  reference: string;
  decision: DisclosureDecision;
  /** AIP id → the version that holds the decision. */
  versions: Record<string, string>;
  text: string;
}

export async function decideRequest(archive: Archive, input: DecideInput, now: Date = new Date()): Promise<DecideOutcome> {
  // under the write lock from the first read to the saved state: two archivists cannot both decide one request
  return archive.exclusive((locked) => decideLocked(archive, locked, input, now));
}

async function decideLocked(archive: Archive, locked: LockedWrites, input: DecideInput, now: Date): Promise<DecideOutcome> {
  const request = readRequest(archive, input.reference);
  if (request.decision) throw new DisclosureError('A-110', `request ${request.reference} was decided on ${request.decision.decidedAt}`, { reference: request.reference });
  const records = reviewRecords(archive.catalog.db, request.records);
  const all = records.flatMap((r) => r.documents.map((d) => ({ record: r, doc: d })));
  const chosen = new Map<string, { outcome: DocumentOutcome['outcome']; ground?: string; withheld: WithheldPart[] }>();
  const choose = (docId: string, outcome: DocumentOutcome['outcome'], item: string) => {
    const earlier = chosen.get(docId);
    if (earlier && earlier.outcome !== outcome) throw new DisclosureError('A-103', `${item}: the document is already to be ${earlier.outcome}d`, { item });
    const entry = earlier ?? { outcome, withheld: [] };
    chosen.set(docId, entry);
    return entry;
  };

  for (const item of input.release ?? []) choose(findDocument(all, item, item).doc.id, 'release', item);
  for (const raw of input.refuse ?? []) {
    const { target, ground } = splitGround(raw, input.ground);
    const entry = choose(findDocument(all, target, raw).doc.id, 'refuse', raw);
    entry.ground = ground;
  }
  for (const raw of input.mask ?? []) {
    const { target, ground } = splitGround(raw, input.ground);
    const colon = target.lastIndexOf(':');
    if (colon <= 0) throw new DisclosureError('A-103', `${raw}: write a masking as DOC:PART ("page 2", "pages 1-3" or "title")`, { item: raw });
    const found = findDocument(all, target.slice(0, colon), raw);
    const part = parsePart(target.slice(colon + 1).trim(), raw);
    if (part.pages) {
      if (found.doc.mimeType !== 'application/pdf') throw new DisclosureError('A-109', `${raw}: pages can be masked only in a PDF, and ${found.doc.name} is ${found.doc.mimeType}`, { item: raw });
      const count = await pageCount(archive, found.record.aipId, found.doc);
      const beyond = part.pages.find((p) => p > count);
      if (beyond !== undefined) throw new DisclosureError('A-109', `${raw}: ${found.doc.name} has ${count} pages`, { item: raw, page: beyond });
    }
    choose(found.doc.id, 'mask', raw).withheld.push({ ...part, ground });
  }

  const undecided = all.filter((x) => !chosen.has(x.doc.id));
  if (undecided.length > 0) {
    throw new DisclosureError('A-103', `every document needs a decision; none for ${undecided.map((x) => `${x.doc.id} (${x.record.objectId}: ${x.doc.name})`).join(', ')}`, { undecided: undecided.length });
  }

  const documents: DocumentOutcome[] = all.map(({ record, doc }) => {
    const c = chosen.get(doc.id)!;
    return {
      record: record.objectId, recordId: record.id, aipId: record.aipId,
      document: doc.id, path: doc.path, name: doc.name, mimeType: doc.mimeType, sha256: doc.sha256,
      outcome: c.outcome,
      ...(c.outcome === 'refuse' ? { ground: c.ground! } : {}),
      ...(c.outcome === 'mask' ? { withheld: c.withheld } : {}),
    };
  });
  const reasons = input.reasons?.trim() || defaultReasons(documents);
  const decision: DisclosureDecision = {
    format: DECISION_FORMAT,
    reference: request.reference,
    decidedAt: now.toISOString(),
    decidedBy: input.by,
    authority: authorityOf(records),
    receivedAt: request.receivedAt,
    reasons,
    documents,
  };
  const text = renderDecisionText(decision, request.requester);
  const pdf = Buffer.from(await renderDecisionPdf(text, request.reference));
  const json = Buffer.from(JSON.stringify(decision, null, 1) + '\n', 'utf8');
  const paths = decisionPaths(request.reference);
  const agentId = `archivist:${input.by}`;
  const versions: Record<string, string> = {};
  const summary = `${documents.filter((d) => d.outcome === 'release').length} released, ${documents.filter((d) => d.outcome === 'mask').length} masked, ${documents.filter((d) => d.outcome === 'refuse').length} refused`;
  for (const aipId of [...new Set(records.map((r) => r.aipId))]) {
    const aip = await locked.addVersion(aipId, {
      files: [
        { path: paths.json, source: json, format: { mimeType: 'application/json' } },
        { path: paths.text, source: Buffer.from(text, 'utf8'), format: { mimeType: 'text/plain' } },
        { path: paths.pdf, source: pdf, format: { mimeType: 'application/pdf' } },
      ],
      events: [{
        type: 'metadata modification',
        dateTime: now,
        detail: `disclosure decision ${request.reference}: ${summary}`,
        outcome: 'success',
        agents: [{ id: 'bevara', role: 'executing program' }, { id: agentId, role: 'authorizer' }],
        objects: [paths.json, paths.text, paths.pdf],
      }],
      agents: [{ id: agentId, name: input.by, type: 'person' }],
      message: `disclosure decision ${request.reference}`,
      user: { name: input.by },
    });
    versions[aipId] = aip.head;
  }
  await locked.record({
    type: 'disclosure.decided',
    subject: request.reference,
    actor: input.by,
    data: {
      versions,
      released: documents.filter((d) => d.outcome === 'release').map((d) => d.document).join(' '),
      masked: documents.filter((d) => d.outcome === 'mask').map((d) => d.document).join(' '),
      refused: documents.filter((d) => d.outcome === 'refuse').map((d) => d.document).join(' '),
      grounds: [...new Set(documents.flatMap((d) => [...(d.ground ? [d.ground] : []), ...(d.withheld ?? []).map((w) => w.ground)]))].join('; '),
    },
  });
  saveRequest(archive, { ...request, status: 'decided', decision: { decidedAt: decision.decidedAt, decidedBy: input.by, versions } });
  return { reference: request.reference, decision, versions, text };
}

type Candidate = { record: ReviewRecord; doc: ReviewDocument };

/** A document by its file id, its logical path in the AIP, or its path in the submitted package. */
function findDocument(all: readonly Candidate[], ref: string, item: string): Candidate {
  const r = ref.trim();
  const hits = all.filter((x) => x.doc.id === r || x.doc.path === r || x.doc.path.endsWith(`/${r.replace(/^\/+/, '')}`));
  if (hits.length === 0) throw new DisclosureError('A-103', `${item}: no document ${r} among the records of the request`, { item });
  if (hits.length > 1) throw new DisclosureError('A-103', `${item}: ${r} names ${hits.length} documents; use the file id`, { item });
  return hits[0]!;
}

function splitGround(raw: string, fallback: string | undefined): { target: string; ground: string } {
  const eq = raw.lastIndexOf('=');
  const target = eq >= 0 ? raw.slice(0, eq).trim() : raw.trim();
  const written = eq >= 0 ? raw.slice(eq + 1).trim() : fallback;
  if (!written) throw new DisclosureError('A-103', `${raw}: a withholding needs its legal ground (--ground "OSL 26 kap. 1 §", or DOC=GROUND)`, { item: raw });
  const citation = parseCitation(written);
  if (!citation) throw new DisclosureError('A-103', `${raw}: the legal ground "${written}" cannot be read; write it as "OSL 26 kap. 1 §"`, { item: raw });
  return { target, ground: formatCitation(citation) };
}

function parsePart(part: string, item: string): Omit<WithheldPart, 'ground'> {
  if (part === 'title') return { field: 'title' };
  const m = /^pages?\s+([\d\s,-]+)$/i.exec(part);
  if (!m) throw new DisclosureError('A-103', `${item}: "${part}" is not a part; write "page 2", "pages 1-3,5" or "title"`, { item });
  const pages = new Set<number>();
  for (const piece of m[1]!.split(',').map((s) => s.trim()).filter(Boolean)) {
    const range = /^(\d{1,5})(?:\s*-\s*(\d{1,5}))?$/.exec(piece);
    const from = range ? Number(range[1]) : NaN;
    const to = range?.[2] ? Number(range[2]) : from;
    if (!range || from < 1 || to < from || to - from > 10_000) throw new DisclosureError('A-103', `${item}: "${piece}" is not a page or a range of pages`, { item });
    for (let p = from; p <= to; p++) pages.add(p);
  }
  return { pages: [...pages].sort((a, b) => a - b) };
}

async function pageCount(archive: Archive, aipId: string, doc: ReviewDocument): Promise<number> {
  if (doc.size > MAX_MASKED_PDF_BYTES) throw new DisclosureError('A-109', `${doc.name} is larger than ${MAX_MASKED_PDF_BYTES} bytes; mask it outside Bevara`, { path: doc.path });
  return pdfPageCount(await readSmallFile(archive, aipId, doc.path, MAX_MASKED_PDF_BYTES), doc.path);
}

/** Reads one file of at most `max` bytes (a PDF to mask); larger ones were refused before. */
export async function readSmallFile(archive: Archive, aipId: string, logicalPath: string, max: number): Promise<Buffer> {
  return readStoredFile(archive, aipId, logicalPath, max, () => new DisclosureError('A-109', `${logicalPath} is larger than ${max} bytes`, { path: logicalPath }));
}

/** The nämnd that holds the records: the authority that decides. */
function authorityOf(records: readonly ReviewRecord[]): string {
  const names = [...new Set(records.map((r) => r.organisation).filter((o): o is string => !!o))];
  return names.length === 0 ? 'Arkivmyndigheten' : names.join(' och ');
}

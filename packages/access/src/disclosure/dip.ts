/**
 * Delivery (`bevara disclose dip REF OUT.zip`): an E-ARK DIP holding exactly what the stored decision
 * released. Released files are streamed from the AIP; a masked PDF is rebuilt without its withheld pages
 * (pdf.ts) and only the derivative goes in; refused files are never opened. Beside them: the decision
 * (PDF and text) as documentation, a manifest of what is released, `checksums.sha256` for `sha256sum -c`,
 * and the METS with every file's SHA-256. The zip is written beside OUT and renamed into place when whole,
 * so no half-written package is left behind.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createNewFile, type Archive } from '@bevara/storage';
import { DisclosureError } from './errors.ts';
import { decisionPaths, parseDecision, withheldFields, withheldPages, type DisclosureDecision, type DocumentOutcome } from './model.ts';
import { dipMets, type DipFile } from './mets.ts';
import { MAX_MASKED_PDF_BYTES, maskPdf } from './pdf.ts';
import { readSmallFile } from './decide.ts';
import { readRequest, saveRequest } from './state.ts';

const MAX_DECISION_BYTES = 16 * 1024 * 1024;
export const MANIFEST_FORMAT = 'bevara-dip-manifest/1';

export interface DipResult {
  reference: string;
  out: string;
  objid: string;
  /** SHA-256 of the zip file. */
  sha256: string;
  files: Array<{ path: string; sha256: string; size: number }>;
}

export async function buildDip(archive: Archive, reference: string, out: string, by: string): Promise<DipResult> {
  const request = readRequest(archive, reference);
  if (!request.decision) throw new DisclosureError('A-107', `request ${reference} has no decision yet; decide it first`, { reference });
  const [aipId, version] = Object.entries(request.decision.versions)[0] ?? [];
  if (!aipId || !version) throw new DisclosureError('A-108', `request ${reference}: the decision names no AIP`, { reference });
  if (fs.existsSync(out)) throw new DisclosureError('A-111', `${out} exists already; a DIP is never written over a file`, { path: out });
  const paths = decisionPaths(reference);
  const decision = parseDecision(await readSmallFile(archive, aipId, paths.json, MAX_DECISION_BYTES), `${aipId}/${paths.json}`);

  const objid = `urn:uuid:${randomUUID()}`;
  const root = `DIP-${reference}`;
  const created = new Date().toISOString();
  const tmp = `${out}.part-${process.pid}-${Date.now()}`;
  // loaded here, not at every CLI start
  const { default: archiver } = await import('archiver');
  const zip = archiver('zip', { zlib: { level: 6 } });
  const zipHash = createHash('sha256');
  const written = pipeline(zip, hashing((c) => zipHash.update(c)), await createNewFile(tmp));
  const entries: Array<DipFile> = [];
  /** Appends one entry and resolves with its digest once its bytes went through. */
  const add = async (path: string, source: Readable | Buffer, mimeType: string): Promise<DipFile> => {
    const hash = createHash('sha256');
    let size = 0;
    // the digest is taken as archiver reads the bytes: one pass, nothing held
    const tap = hashing((c) => { hash.update(c); size += c.length; });
    const done = new Promise<void>((resolve, reject) => { tap.on('end', resolve); tap.on('error', reject); });
    const input = Buffer.isBuffer(source) ? Readable.from([source]) : source;
    input.on('error', (e) => tap.destroy(e));
    input.pipe(tap);
    zip.append(tap, { name: `${root}/${path}`, date: new Date(created) });
    await done;
    const file = { path, size, sha256: hash.digest('hex'), mimeType };
    entries.push(file);
    return file;
  };

  try {
    const failed = new Promise<never>((_, reject) => { zip.on('error', reject); zip.on('warning', reject); written.catch(reject); });
    const work = (async () => {
      const data: DipFile[] = [];
      const released = decision.documents.filter((d) => d.outcome !== 'refuse');
      for (const d of released) data.push(await add(dataPath(d), await deliverable(archive, d), d.mimeType || 'application/octet-stream'));
      const documentation = [
        await add('documentation/beslut.pdf', await archive.openFile(aipId, paths.pdf, version), 'application/pdf'),
        await add('documentation/beslut.txt', await archive.openFile(aipId, paths.text, version), 'text/plain'),
      ];
      const manifest = await add('metadata/descriptive/manifest.json', Buffer.from(JSON.stringify(manifestOf(archive, decision, released, data), null, 1) + '\n', 'utf8'), 'application/json');
      const mets = Buffer.from(dipMets({ objid, label: `Utlämnande ${reference}`, created, manifest, documentation, data }), 'utf8');
      await add('METS.xml', mets, 'application/xml');
      // sha256sum format, paths from the package root: `cd DIP-… && sha256sum -c checksums.sha256`
      const sums = entries.map((e) => `${e.sha256}  ${e.path}\n`).join('');
      zip.append(sums, { name: `${root}/checksums.sha256`, date: new Date(created) });
      await zip.finalize();
      await written;
    })();
    await Promise.race([work, failed]);
    fs.renameSync(tmp, out);
  } catch (e) {
    zip.abort();
    await written.catch(() => undefined);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  const sha256 = zipHash.digest('hex');
  await archive.record({ type: 'disclosure.delivered', subject: reference, actor: by, data: { dip: objid, sha256, files: entries.length, released: decision.documents.filter((d) => d.outcome !== 'refuse').map((d) => d.document).join(' ') } });
  await archive.exclusive(async () => {
    const current = readRequest(archive, reference);
    saveRequest(archive, { ...current, status: 'delivered', deliveries: [...current.deliveries, { at: created, by, sha256, files: entries.length }] });
  });
  return { reference, out, objid, sha256, files: entries.map(({ path, sha256: s, size }) => ({ path, sha256: s, size })) };
}

function hashing(see: (chunk: Buffer) => void): Transform {
  return new Transform({ transform(chunk: Buffer, _enc, done) { see(chunk); done(null, chunk); } });
}

/** Where a released document sits in the DIP: one folder per record; a masked one says so in its name. */
function dataPath(d: DocumentOutcome): string {
  const folder = d.record.replace(/[^A-Za-z0-9åäöÅÄÖ._-]+/g, '_');
  const name = d.name.replace(/[/\\\u0000-\u001f]+/g, '_');
  return `representations/rep1/data/${folder}/${withheldPages(d).length > 0 ? `maskerad_${name}` : name}`;
}

/** The bytes that may leave: the stored file, or the masked derivative when pages are withheld. */
async function deliverable(archive: Archive, d: DocumentOutcome): Promise<Readable | Buffer> {
  const pages = withheldPages(d);
  if (pages.length === 0) return archive.openFile(d.aipId, d.path);
  const original = await readSmallFile(archive, d.aipId, d.path, MAX_MASKED_PDF_BYTES);
  const groundOf = (p: number) => (d.withheld ?? []).find((w) => w.pages?.includes(p))?.ground ?? '';
  return Buffer.from(await maskPdf(original, pages, (p) => `Sidan ${p} är maskerad. Uppgifterna omfattas av sekretess enligt ${groundOf(p)}.`, d.path));
}

function manifestOf(archive: Archive, decision: DisclosureDecision, released: readonly DocumentOutcome[], files: readonly DipFile[]) {
  const titles = archive.catalog.db.prepare('SELECT title, public_from FROM access_records WHERE id = ?');
  const today = new Date().toISOString().slice(0, 10);
  const records = [...new Set(released.map((d) => d.recordId))].map((recordId) => {
    const docs = released.filter((d) => d.recordId === recordId);
    // The title of a record still under secrecy is itself secret until someone decides otherwise: it
    // stays out unless the record is public today; a title masked for any document is left out too.
    const row = titles.get(recordId) as { title: string | null; public_from: string } | undefined;
    const titleWithheld = docs.some((d) => withheldFields(d).has('title')) || !row || row.public_from > today;
    const title = titleWithheld ? undefined : row.title ?? undefined;
    return {
      record: docs[0]!.record,
      ...(title ? { title } : {}),
      ...(titleWithheld ? { withheldFields: ['title'] } : {}),
      documents: docs.map((d) => {
        const f = files[released.indexOf(d)]!;
        return {
          document: d.document,
          name: d.name,
          outcome: d.outcome === 'mask' ? 'released in part' : 'released',
          path: f.path,
          sha256: f.sha256,
          size: f.size,
          ...(withheldPages(d).length > 0 ? { withheldPages: withheldPages(d) } : {}),
        };
      }),
    };
  });
  return { format: MANIFEST_FORMAT, reference: decision.reference, decidedAt: decision.decidedAt, authority: decision.authority, decision: { pdf: 'documentation/beslut.pdf', text: 'documentation/beslut.txt' }, records };
}

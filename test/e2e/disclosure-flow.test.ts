/**
 * Disclosure from request to DIP on a real archive, a real server and the real CLI, with a package from
 * the generator ingested by the real pipeline: the public files a request and gets a reference only; an
 * archivist reviews, decides (a public record's document released, a withheld record's JPEG refused and
 * its PDF masked page by page) and delivers. The DIP holds what was released and nothing of what was
 * withheld (raw bytes and pdftotext); the decision names the provision and the appeal route; the decision
 * is an AIP version with a PREMIS event and survives a catalog rebuild; every step is in the audit log;
 * and no archivist route answers without an archivist's token.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Archive } from '@bevara/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessCatalog } from '../../packages/access/src/catalog/extension.ts';
import { createApp } from '../../packages/cli/src/serve/app.ts';
import { ermsCatalog } from '../../packages/ingest/src/erms-catalog/extension.ts';
import { generatePackage } from '../../packages/ingest/src/generator/generate.ts';
import type { PackageTruth, RecordTruth } from '../../packages/ingest/src/generator/types.ts';
import { writeZip } from '../../packages/ingest/src/generator/writers.ts';
import { ingestPackage } from '../../packages/ingest/src/pipeline/ingest.ts';
import { SubmissionService } from '../../packages/ingest/src/submission/service.ts';
import { bevaraIn, jsonError, jsonLines } from '../support/cli.ts';
import { tempDir } from './support/archive.ts';

let work: string;
let dir: string;
let truth: PackageTruth;
let withheld: RecordTruth;
let released: RecordTruth;
let archivistToken: string;
let submitterToken: string;
const extensions = () => ({ catalogExtensions: [ermsCatalog, accessCatalog()] });
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const pdftext = (file: string) => execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });

beforeAll(async () => {
  work = tempDir('disclosure');
  dir = path.join(work, 'archive');
  const archive = await Archive.init(dir, extensions());
  const spec = generatePackage({ profile: 'fgs12', seed: 'disc', organisation: 'Exempelby kommun', cases: 5, markers: true });
  await writeZip(spec, path.join(work, 'p.zip'));
  const result = await ingestPackage(archive, path.join(work, 'p.zip'), { agreement: { id: 'default', name: 'Default', strictFormats: false, allowUpdates: false }, submitter: 'test' });
  expect(result.outcome).toBe('archived');
  await archive.close();
  truth = spec.truth;
  const records = truth.cases.flatMap((c) => c.records);
  // a withheld record with a PDF and another file; a public record with one file
  withheld = records.find((r) => r.secrecy && r.files.length >= 2 && r.files.some((f) => f.endsWith('.pdf')) && r.files.some((f) => !f.endsWith('.pdf')))!;
  released = records.find((r) => !r.secrecy && r.files.length === 1)!;
  expect(withheld, 'the generator gave a withheld record with a PDF and another file').toBeDefined();
  expect(released).toBeDefined();

  const a = await bevaraIn(dir, ['tokens', 'create', '--archivist', 'Anna Arkivarie', '--json']);
  expect(a.code, a.stderr).toBe(0);
  archivistToken = (JSON.parse(a.stdout) as { token: string }).token;
  const s = await bevaraIn(dir, ['tokens', 'create', '--submitter', 'ekonomisystem', '--json']);
  expect(s.code, s.stderr).toBe(0);
  submitterToken = (JSON.parse(s.stdout) as { token: string }).token;
}, 300_000);

afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

/** Runs `fn` against the real app on a real port, over this archive. */
async function withServer<T>(fn: (base: string) => Promise<T>): Promise<T> {
  const archive = await Archive.open(dir, extensions());
  const server = http.createServer(createApp({ submissions: new SubmissionService(archive), log: () => undefined, access: { archive } }).callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await archive.close();
  }
}

/** Every marker of the withheld record and its case: none may leave in a DIP. */
const withheldMarkers = () => {
  const kase = truth.cases.find((c) => c.records.includes(withheld))!;
  return truth.markers.filter((m) => m.objectId === withheld.objectId || m.objectId === kase.diarienummer).map((m) => m.marker);
};

function auditTypes(): Array<{ type: string; subject?: string; actor?: string }> {
  const entries = path.join(dir, 'store', 'extensions', 'bevara-audit-log', 'entries');
  return fs.readdirSync(entries).sort().map((f) => JSON.parse(fs.readFileSync(path.join(entries, f), 'utf8')) as { type: string; subject?: string; actor?: string });
}

describe('public requests', () => {
  it('are answered with a reference number and nothing else; a form post gets a page naming it', async () => {
    await withServer(async (base) => {
      const r = await fetch(`${base}/api/v1/public/requests`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ records: [withheld.objectId], name: 'Eva Exempel', contact: 'eva@example.org' }),
      });
      expect(r.status).toBe(201);
      const body = (await r.json()) as Record<string, unknown>;
      expect(Object.keys(body)).toEqual(['reference']);
      expect(body['reference']).toMatch(/^U-\d{4}-\d{4}$/);

      const form = await fetch(`${base}/api/v1/public/requests`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ record: released.objectId, email: 'x@example.org', lang: 'sv' }).toString(),
      });
      expect(form.status).toBe(201);
      const page = await form.text();
      expect(page).toMatch(/Referensnummer: <strong>U-\d{4}-\d{4}<\/strong>/);
      expect(page).not.toContain(withheld.objectId);

      const unknown = await fetch(`${base}/api/v1/public/requests`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ records: ['XX 1999/0001-1'] }) });
      expect(unknown.status).toBe(404);
      expect(((await unknown.json()) as { code: string }).code).toBe('A-001');
      const empty = await fetch(`${base}/api/v1/public/requests`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ records: [] }) });
      expect(empty.status).toBe(400);
      expect(((await empty.json()) as { code: string }).code).toBe('A-101');
      // the fifth attempt within the window was the last one allowed
      const again = () => fetch(`${base}/api/v1/public/requests`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ records: [released.objectId] }) });
      expect((await again()).status).toBe(201);
      const limited = await again();
      expect(limited.status).toBe(429);
      expect(limited.headers.get('content-type')).toContain('application/problem+json');
      expect(((await limited.json()) as { code: string }).code).toBe('A-106');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      // the public never sees a list
      const listing = await fetch(`${base}/api/v1/public/requests`);
      expect([404, 405]).toContain(listing.status);
      expect(await listing.text()).not.toMatch(/U-\d{4}-\d{4}/);
    });
  });
});

describe('archivist routes', () => {
  const routes = (ref: string): Array<[string, string, string?]> => [
    ['GET', '/api/v1/disclosure/requests'],
    ['POST', '/api/v1/disclosure/requests', JSON.stringify({ records: [released.objectId] })],
    ['GET', `/api/v1/disclosure/requests/${ref}`],
    ['POST', `/api/v1/disclosure/requests/${ref}/decision`, JSON.stringify({ release: [], ground: 'OSL 26 kap. 1 §' })],
    ['GET', `/api/v1/disclosure/requests/${ref}/dip`],
  ];

  it('refuse every request without an archivist token: none 401, a submitter\'s or an unknown one 403, as problem+json', async () => {
    const before = fs.readdirSync(path.join(dir, 'disclosure', 'requests')).length;
    await withServer(async (base) => {
      for (const [method, url, body] of routes('U-2026-0001')) {
        for (const [auth, status, code] of [[undefined, 401, 'A-104'], [`Bearer ${submitterToken}`, 403, 'A-105'], ['Bearer bva_guessed', 403, 'A-105'], ['Basic YTpi', 401, 'A-104']] as const) {
          const r = await fetch(`${base}${url}`, { method, headers: { 'Content-Type': 'application/json', ...(auth ? { Authorization: auth } : {}) }, ...(body ? { body } : {}) });
          expect(r.status, `${method} ${url} with ${auth ?? 'no token'}`).toBe(status);
          expect(r.headers.get('content-type')).toContain('application/problem+json');
          expect(((await r.json()) as { code: string }).code).toBe(code);
        }
      }
      const openapi = (await (await fetch(`${base}/api/v1/openapi.json`)).json()) as { paths: Record<string, unknown> };
      for (const p of ['/api/v1/public/requests', '/api/v1/disclosure/requests', '/api/v1/disclosure/requests/{ref}', '/api/v1/disclosure/requests/{ref}/decision', '/api/v1/disclosure/requests/{ref}/dip']) {
        expect(openapi.paths[p], p).toBeDefined();
      }
    });
    expect(fs.readdirSync(path.join(dir, 'disclosure', 'requests')).length).toBe(before);
  });

  it('answer an archivist: list, register, review', async () => {
    await withServer(async (base) => {
      const auth = { Authorization: `Bearer ${archivistToken}`, 'Content-Type': 'application/json' };
      const created = await fetch(`${base}/api/v1/disclosure/requests`, { method: 'POST', headers: auth, body: JSON.stringify({ records: [released.objectId] }) });
      expect(created.status).toBe(201);
      const { reference } = (await created.json()) as { reference: string };
      const list = (await (await fetch(`${base}/api/v1/disclosure/requests`, { headers: auth })).json()) as { requests: Array<{ reference: string; records: string[] }> };
      expect(list.requests.find((r) => r.reference === reference)?.records).toEqual([released.objectId]);
      const view = (await (await fetch(`${base}/api/v1/disclosure/requests/${reference}`, { headers: auth })).json()) as { records: Array<{ objectId: string; documents: unknown[] }> };
      expect(view.records.map((r) => r.objectId)).toEqual([released.objectId]);
      expect(view.records[0]!.documents).toHaveLength(1);
    });
  });
});

describe('bevara disclose', () => {
  let ref: string;
  let docs: Array<{ id: string; path: string; mimeType: string }>;

  it('request prints the reference on its last line; list and show tell the archivist what to decide', async () => {
    const r = await bevaraIn(dir, ['disclose', 'request', withheld.objectId, released.objectId, '--name', 'Eva Exempel', '--by', 'Anna']);
    expect(r.code, r.stderr).toBe(0);
    ref = r.stdout.trim().split('\n').at(-1)!;
    expect(ref).toMatch(/^U-\d{4}-\d{4}$/);

    const list = await bevaraIn(dir, ['disclose', 'list', '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect(jsonLines<{ reference: string; status: string }>(list.stdout).find((x) => x.reference === ref)?.status).toBe('received');

    const show = await bevaraIn(dir, ['disclose', 'show', ref, '--json', '--by', 'Anna']);
    expect(show.code, show.stderr).toBe(0);
    const view = JSON.parse(show.stdout) as { records: Array<{ objectId: string; publicFrom: string; markings: Array<{ ground: string }>; secrecyTable: Array<{ provision: string }>; documents: Array<{ id: string; path: string; mimeType: string }> }> };
    const w = view.records.find((x) => x.objectId === withheld.objectId)!;
    expect(w.publicFrom).not.toBe('0000-01-01');
    expect(w.markings.map((m) => m.ground)).toContain(withheld.secrecy!.provision);
    expect(w.secrecyTable.map((s) => s.provision)).toContain(withheld.secrecy!.provision);
    expect(w.documents.map((d) => d.path.replace(/^submission\//, '')).sort()).toEqual([...withheld.files].sort());
    docs = w.documents;
    expect(view.records.find((x) => x.objectId === released.objectId)!.markings).toEqual([]);
  });

  it('decide refuses to leave a document undecided or a ground unreadable, and changes nothing then', async () => {
    const aips = () => fs.readdirSync(path.join(dir, 'store'), { recursive: true }).filter((f) => String(f).endsWith('inventory.json')).length;
    const before = aips();
    const undecided = await bevaraIn(dir, ['disclose', 'decide', ref, '--release', released.files[0]!, '--json']);
    expect(undecided.code).toBe(2);
    expect(jsonError(undecided).code).toBe('A-103');
    const pdf = docs.find((d) => d.mimeType === 'application/pdf')!;
    const other = docs.find((d) => d.mimeType !== 'application/pdf')!;
    const badGround = await bevaraIn(dir, ['disclose', 'decide', ref, '--release', released.files[0]!, '--refuse', other.id, '--mask', `${pdf.id}:page 1`, '--ground', 'sekretess', '--json']);
    expect(jsonError(badGround).code).toBe('A-103');
    const beyond = await bevaraIn(dir, ['disclose', 'decide', ref, '--release', released.files[0]!, '--refuse', other.id, '--mask', `${pdf.id}:page 9`, '--ground', 'OSL 26 kap. 1 §', '--json']);
    expect(jsonError(beyond).code).toBe('A-109');
    const notPdf = await bevaraIn(dir, ['disclose', 'decide', ref, '--release', released.files[0]!, '--refuse', pdf.id, '--mask', `${other.id}:page 1`, '--ground', 'OSL 26 kap. 1 §', '--json']);
    expect(jsonError(notPdf).code).toBe('A-109');
    expect(aips()).toBe(before);
  });

  it('decide keeps the decision as a new AIP version with a PREMIS event, and the beslut names the provision and the appeal route', async () => {
    const pdf = docs.find((d) => d.mimeType === 'application/pdf')!;
    const other = docs.find((d) => d.mimeType !== 'application/pdf')!;
    const r = await bevaraIn(dir, ['disclose', 'decide', ref, '--release', released.files[0]!, '--refuse', other.path, '--mask', `${pdf.id}:page 1`, '--mask', `${pdf.id}:title`, '--ground', 'OSL 26 kap. 1 §', '--by', 'Anna', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const outcome = JSON.parse(r.stdout) as { versions: Record<string, string>; decision: { documents: Array<{ document: string; outcome: string; ground?: string }> } };
    expect(outcome.decision.documents.find((d) => d.document === other.id)).toMatchObject({ outcome: 'refuse', ground: 'OSL 26 kap. 1 §' });

    const archive = await Archive.open(dir, extensions());
    try {
      for (const [aipId, version] of Object.entries(outcome.versions)) {
        const aip = archive.show(aipId);
        expect(aip.versions.at(-1)!.version).toBe(version);
        expect(aip.files.map((f) => f.path)).toEqual(expect.arrayContaining([`metadata/bevara/disclosure/${ref}/beslut.json`, `metadata/bevara/disclosure/${ref}/beslut.txt`, `metadata/bevara/disclosure/${ref}/beslut.pdf`]));
        expect(aip.events.some((e) => e.version === version && e.detail.includes(ref) && e.agents.some((a) => a.id === 'archivist:Anna'))).toBe(true);
        const text = await streamText(await archive.openFile(aipId, `metadata/bevara/disclosure/${ref}/beslut.txt`));
        for (const t of ['OSL 26 kap. 1 §', 'kammarrätten', 'tre veckor', 'skriftligt', other.path.split('/').at(-1)!]) expect(text).toContain(t);
      }
      const verified = await archive.verify(Object.keys(outcome.versions));
      expect(verified.every((v) => v.ok)).toBe(true);
    } finally {
      await archive.close();
    }
    const again = await bevaraIn(dir, ['disclose', 'decide', ref, '--release', released.files[0]!, '--json']);
    expect(jsonError(again).code).toBe('A-110');
  });

  it('dip holds the released document and the masked derivative, never the refused file or withheld text, and checks with sha256sum', async () => {
    const out = path.join(work, 'dip.zip');
    const r = await bevaraIn(dir, ['disclose', 'dip', ref, out, '--by', 'Anna', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const unpacked = path.join(work, 'dip');
    execFileSync('unzip', ['-q', out, '-d', unpacked]);
    const root = path.join(unpacked, `DIP-${ref}`);
    const files = (fs.readdirSync(root, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(root, f)).isFile());
    const names = files.map((f) => path.basename(f));

    // the released document, byte for byte
    const releasedName = path.basename(released.files[0]!);
    const releasedFile = files.find((f) => path.basename(f) === releasedName)!;
    expect(releasedFile).toBeDefined();
    expect(sha256(fs.readFileSync(path.join(root, releasedFile)))).toBe(truth.files.find((f) => f.path.endsWith(released.files[0]!))!.sha256);
    // the refused one is not there, nor the original of the masked one (by name or by bytes)
    const refused = withheld.files.find((f) => !f.endsWith('.pdf'))!;
    const masked = withheld.files.find((f) => f.endsWith('.pdf'))!;
    expect(names).not.toContain(path.basename(refused));
    expect(names).not.toContain(path.basename(masked));
    const forbidden = new Set(withheld.files.map((f) => truth.files.find((t) => t.path.endsWith(f))!.sha256));
    for (const f of files) expect(forbidden.has(sha256(fs.readFileSync(path.join(root, f)))), f).toBe(false);
    const derivative = files.find((f) => path.basename(f) === `maskerad_${path.basename(masked)}`)!;
    expect(derivative).toBeDefined();
    expect(pdftext(path.join(root, derivative))).toContain('maskerad');

    // no marker of the withheld record or its case in any file, raw or as PDF text
    const markers = withheldMarkers();
    expect(markers.length).toBeGreaterThan(0);
    for (const f of files) {
      const full = path.join(root, f);
      const texts = [fs.readFileSync(full).toString('latin1'), ...(f.endsWith('.pdf') ? [pdftext(full)] : [])];
      for (const m of markers) for (const t of texts) expect(t.includes(m), `${m} in ${f}`).toBe(false);
    }
    // the decision travels with it, and it names the provision and the appeal route
    const beslut = pdftext(path.join(root, 'documentation', 'beslut.pdf'));
    for (const t of ['OSL 26 kap. 1 §', 'kammarrätten', 'tre', 'veckor']) expect(beslut).toContain(t);
    // E-ARK DIP METS, manifest of exactly what was released, checksums for stock tools
    const mets = fs.readFileSync(path.join(root, 'METS.xml'), 'utf8');
    expect(mets).toContain('csip:OAISPACKAGETYPE="DIP"');
    expect(mets).toContain('PROFILE="https://earkdip.dilcis.eu/profile/E-ARK-DIP.xml"');
    const manifest = JSON.parse(fs.readFileSync(path.join(root, 'metadata', 'descriptive', 'manifest.json'), 'utf8')) as { records: Array<{ record: string; title?: string; documents: Array<{ name: string; path: string }> }> };
    expect(manifest.records.flatMap((x) => x.documents.map((d) => d.path)).sort()).toEqual([releasedFile, derivative].sort());
    expect(manifest.records.find((x) => x.record === withheld.objectId)!.title).toBeUndefined();
    execFileSync('sha256sum', ['--quiet', '-c', 'checksums.sha256'], { cwd: root });

    const exists = await bevaraIn(dir, ['disclose', 'dip', ref, out, '--json']);
    expect(jsonError(exists).code).toBe('A-111');
  });

  it('every step is an audit-log entry, the log verifies, and the decision survives a catalog rebuild', async () => {
    const mine = auditTypes().filter((e) => e.subject === ref).map((e) => e.type);
    expect(mine).toEqual(expect.arrayContaining(['disclosure.requested', 'disclosure.reviewed', 'disclosure.decided', 'disclosure.delivered']));
    expect(auditTypes().some((e) => e.type === 'token.created' && e.subject !== undefined)).toBe(true);
    const log = await bevaraIn(dir, ['log', 'verify', '--json']);
    expect(log.code, log.stdout).toBe(0);

    fs.rmSync(path.join(dir, 'catalog.sqlite'));
    const rebuilt = await bevaraIn(dir, ['catalog', 'rebuild']);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    const out = path.join(work, 'dip-after-rebuild.zip');
    const r = await bevaraIn(dir, ['disclose', 'dip', ref, out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const files = (JSON.parse(r.stdout) as { files: Array<{ path: string }> }).files.map((f) => f.path);
    expect(files.some((f) => f.includes(`maskerad_${path.basename(withheld.files.find((x) => x.endsWith('.pdf'))!)}`))).toBe(true);
    expect(files.some((f) => f.endsWith(path.basename(withheld.files.find((x) => !x.endsWith('.pdf'))!)))).toBe(false);

    // the archivist API hands out the same delivery, and leaves no zip behind in staging
    await withServer(async (base) => {
      const dip = await fetch(`${base}/api/v1/disclosure/requests/${ref}/dip`, { headers: { Authorization: `Bearer ${archivistToken}` } });
      expect(dip.status).toBe(200);
      expect(dip.headers.get('content-type')).toBe('application/zip');
      const bytes = Buffer.from(await dip.arrayBuffer());
      expect(dip.headers.get('digest')).toBe(`sha-256=${createHash('sha256').update(bytes).digest('base64')}`);
      expect(bytes.subarray(0, 2).toString('latin1')).toBe('PK');
    });
    expect(fs.readdirSync(path.join(dir, 'staging')).filter((f) => f.startsWith('dip-'))).toEqual([]);
  });
});

async function streamText(stream: NodeJS.ReadableStream): Promise<string> {
  let s = '';
  for await (const c of stream) s += (c as Buffer).toString('utf8');
  return s;
}

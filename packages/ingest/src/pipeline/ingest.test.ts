import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Archive } from '@bevara/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { casesOf, documentsOf, ermsCatalog, secrecyOf } from '../erms-catalog/extension.ts';
import { generatePackage } from '../generator/generate.ts';
import { writeHostile } from '../generator/hostile.ts';
import { writeFolder, writeZip } from '../generator/writers.ts';
import { SubmissionRegistry } from '../submission/agreements.ts';
import { aipIdFor, ingestPackage } from './ingest.ts';
import type { Agreement } from './types.ts';

let work: string;
let archive: Archive;
const agreement: Agreement = { id: 'default', name: 'Default', strictFormats: false, allowUpdates: false };

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'bevara-ingest-'));
  archive = await Archive.init(path.join(work, 'archive'), { catalogExtensions: [ermsCatalog] });
});
afterAll(async () => {
  await archive.close();
  await rm(work, { recursive: true, force: true });
});

function stagingLeft(): string[] {
  return fs.readdirSync(archive.paths.staging).filter((n) => n !== 'journal');
}

describe('ingestPackage', () => {
  for (const profile of ['fgs12', 'eark-csip-2.1'] as const) {
    it(`archives a valid ${profile} zip as an AIP with receipt, events and ERMS catalog rows`, async () => {
      const spec = generatePackage({ profile, seed: `ingest-${profile}`, organisation: 'Exempelby kommun', cases: 3 });
      const zip = path.join(work, `${profile}.zip`);
      await writeZip(spec, zip);
      const result = await ingestPackage(archive, zip, { agreement, submitter: 'hr-system', deliveryId: 'D-1' });
      expect(result.report.results.filter((r) => r.status === 'failed')).toEqual([]);
      expect(result.outcome).toBe('archived');
      expect(result.version).toBe('v1');
      expect(result.packageId).toBe(spec.truth.objid);
      const aip = archive.show(result.aip!);
      // every package file is kept under submission/ with the digest the generator knows
      for (const f of spec.truth.files) {
        expect(aip.files.find((x) => x.path === `submission/${f.path}`)?.sha256).toBe(f.sha256);
      }
      expect(aip.events.map((e) => e.type)).toEqual(expect.arrayContaining(['ingestion start', 'validation', 'format identification', 'message digest calculation', 'ingestion end']));
      const r = result.receipt.receipt;
      expect(r.cases.map((c) => c.diarienummer)).toEqual(spec.truth.cases.map((c) => c.diarienummer));
      expect(r.files).toHaveLength(spec.truth.files.length);
      expect(r.packageSha256).toMatch(/^[0-9a-f]{64}$/);
      // receipt inside the AIP, byte-identical to the one returned
      const stored = await streamBytes(await archive.openFile(result.aip!, 'metadata/submission/receipt-v1.xml'));
      expect(stored.equals(result.receipt.xml)).toBe(true);
      // ERMS tables
      const db = archive.catalog.db;
      expect(casesOf(db, result.aip!).map((c) => c.diarienummer)).toEqual(spec.truth.cases.map((c) => c.diarienummer));
      const secretRecords = spec.truth.cases.flatMap((c) => c.records.filter((x) => x.secrecy).map((x) => x.objectId));
      const marked = new Set(secrecyOf(db, result.aip!).flatMap((s) => (s.recordObjectId ? [s.recordObjectId] : spec.truth.cases.find((c) => c.diarienummer === s.diarienummer)!.records.map((x) => x.objectId))));
      for (const id of secretRecords) expect(marked.has(id)).toBe(true);
      const docs = documentsOf(db, result.aip!);
      for (const c of spec.truth.cases) for (const rec of c.records) for (const f of rec.files) {
        expect(docs).toContainEqual({ recordObjectId: rec.objectId, path: `submission/${f}` });
      }
      const [verification] = await archive.verify([result.aip!]);
      expect(verification!.ok).toBe(true);
      expect(stagingLeft()).toEqual([]);
    });
  }

  it('returns the first decision for the same package again, and refuses other content under the same OBJID', async () => {
    const spec = generatePackage({ profile: 'fgs12', seed: 'idem', organisation: 'Exempelby kommun', cases: 1 });
    const dir = await writeFolder(spec, await mkdtemp(path.join(work, 'idem-')));
    const first = await ingestPackage(archive, dir, { agreement, submitter: 's' });
    const again = await ingestPackage(archive, dir, { agreement, submitter: 's' });
    expect(again.repeated).toBe(true);
    expect(again.submissionId).toBe(first.submissionId);
    expect(again.aip).toBe(first.aip);
    const changed = generatePackage({ profile: 'fgs12', seed: 'idem-2', organisation: 'Exempelby kommun', cases: 2, objid: spec.truth.objid });
    const dir2 = await writeFolder(changed, await mkdtemp(path.join(work, 'idem2-')));
    const refused = await ingestPackage(archive, dir2, { agreement, submitter: 's' });
    expect(refused.outcome).toBe('rejected');
    expect(refused.receipt.receipt.failedRules).toEqual(['I-016']);
    expect(archive.show(first.aip!).head).toBe('v1');
    const updated = await ingestPackage(archive, dir2, { agreement: { ...agreement, id: 'updates', allowUpdates: true }, submitter: 's' });
    expect(updated.report.results.filter((r) => r.status === 'failed')).toEqual([]);
    expect(updated.outcome).toBe('archived');
    expect(updated.version).toBe('v2');
    const files = archive.show(first.aip!).files.map((f) => f.path);
    for (const f of changed.truth.files) expect(files).toContain(`submission/${f.path}`);
    expect(files.filter((f) => f.startsWith('submission/'))).toHaveLength(changed.truth.files.length);
    const [verification] = await archive.verify([first.aip!]);
    expect(verification!.ok).toBe(true);
  });

  it('fails with S-018 (send it again) a new AIP that another writer archived after this one found none', async () => {
    const spec = generatePackage({ profile: 'fgs12', seed: 'raced', organisation: 'Exempelby kommun', cases: 1 });
    const dir = await writeFolder(spec, await mkdtemp(path.join(work, 'raced-')));
    const aipId = aipIdFor(spec.truth.objid);
    // The other writer holds the write lock until this ingest has looked for the AIP and begun its pass (its
    // first file read), then archives the AIP under that OBJID.
    let passBegun!: () => void;
    const begun = new Promise<void>((r) => (passBegun = r));
    let ingest!: Promise<unknown>;
    await archive.exclusive(async (locked) => {
      ingest = ingestPackage(archive, dir, { agreement, submitter: 's', progress: () => passBegun() }).then(() => 'archived', (e: unknown) => e);
      await begun;
      await locked.createAip({ id: aipId, label: 'the other writer', files: [{ path: 'other.txt', source: Buffer.from('other') }], events: [], message: 'other', user: { name: 'other' } });
    });
    expect(await ingest).toMatchObject({ code: 'S-018' });
    expect(stagingLeft()).toEqual([]);
    expect(archive.show(aipId).head).toBe('v1');
    // sent again, it is judged against the archived AIP: other content under the same OBJID is refused
    const again = await ingestPackage(archive, dir, { agreement, submitter: 's' });
    expect(again.receipt.receipt.failedRules).toEqual(['I-016']);
  });

  it('a package file: the receipt gives the file\'s own SHA-256, and the same file again returns the first decision, archived or refused', async () => {
    const spec = generatePackage({ profile: 'fgs12', seed: 'idem-zip', organisation: 'Exempelby kommun', cases: 1 });
    const zip = path.join(work, 'idem.zip');
    await writeZip(spec, zip);
    const first = await ingestPackage(archive, zip, { agreement, submitter: 's' });
    expect(first.outcome).toBe('archived');
    expect(first.receipt.receipt.packageSha256).toBe(createHash('sha256').update(fs.readFileSync(zip)).digest('hex'));
    const again = await ingestPackage(archive, zip, { agreement, submitter: 's' });
    expect(again).toMatchObject({ repeated: true, submissionId: first.submissionId, aip: first.aip });

    const hostile = path.join(work, 'doctype.zip');
    await writeHostile('xml-doctype', hostile);
    const refused = await ingestPackage(archive, hostile, { agreement, submitter: 's' });
    expect(refused.outcome).toBe('rejected');
    expect(refused.receipt.receipt.packageSha256).toBe(createHash('sha256').update(fs.readFileSync(hostile)).digest('hex'));
    const refusedAgain = await ingestPackage(archive, hostile, { agreement, submitter: 's' });
    expect(refusedAgain).toMatchObject({ repeated: true, submissionId: refused.submissionId, outcome: 'rejected' });
  });

  it('rejects an invalid package with its failing rule IDs and leaves no AIP and no staging', async () => {
    const spec = generatePackage({ profile: 'eark-csip-2.1', seed: 'bad', organisation: 'Exempelby kommun', cases: 1 });
    const dir = await writeFolder(spec, await mkdtemp(path.join(work, 'bad-')));
    fs.rmSync(path.join(dir, 'METS.xml'));
    const before = archive.list().length;
    const result = await ingestPackage(archive, dir, { agreement, submitter: 's' });
    expect(result.outcome).toBe('rejected');
    expect(result.receipt.receipt.failedRules.length).toBeGreaterThan(0);
    // the receipt still gives each file's SHA-256 as it arrived, read in the validating pass
    const listed = result.receipt.receipt.files;
    expect(listed.map((f) => f.path)).toEqual(spec.files.map((f) => f.path).filter((p) => p !== 'METS.xml').sort());
    for (const f of listed) expect(f.sha256).toBe(createHash('sha256').update(fs.readFileSync(path.join(dir, f.path))).digest('hex'));
    expect(result.aip).toBeUndefined();
    expect(archive.list().length).toBe(before);
    expect(stagingLeft()).toEqual([]);
  });

  it('refuses with I-027 a package citing another submission agreement than the one it is submitted under', async () => {
    const registry = SubmissionRegistry.open(archive);
    const hr = await registry.addAgreement({ id: 'hr', name: 'HR system', reference: 'KS 2024/0001' }, 'test');
    const citing = (seed: string, cited: string) => writeFolder(
      generatePackage({ profile: 'fgs12', seed, organisation: 'Exempelby kommun', cases: 1, submissionAgreement: cited }),
      fs.mkdtempSync(path.join(work, `${seed}-`)),
    );
    const before = archive.list().length;
    // cites hr's reference, submitted under the default agreement
    const underDefault = await ingestPackage(archive, await citing('cites-hr', 'KS 2024/0001'), { agreement, submitter: 's' });
    expect(underDefault.outcome).toBe('rejected');
    expect(underDefault.receipt.receipt.failedRules).toEqual(['I-027']);
    // cites some other text, submitted under hr, which names its reference
    const otherText = await ingestPackage(archive, await citing('cites-other', 'KS 1999/0007'), { agreement: hr, submitter: 's' });
    expect(otherText.receipt.receipt.failedRules).toEqual(['I-027']);
    expect(archive.list().length).toBe(before);
    expect(stagingLeft()).toEqual([]);
    // cites hr's reference under hr, and hr's id: both archived
    expect((await ingestPackage(archive, await citing('cites-hr-ok', 'KS 2024/0001'), { agreement: hr, submitter: 's' })).outcome).toBe('archived');
    expect((await ingestPackage(archive, await citing('cites-hr-id', 'hr'), { agreement: hr, submitter: 's' })).outcome).toBe('archived');
  });

  it('signs receipts so that openssl cms -verify accepts them', async () => {
    const spec = generatePackage({ profile: 'fgs12', seed: 'sig', organisation: 'Exempelby kommun', cases: 1 });
    const zip = path.join(work, 'sig.zip');
    await writeZip(spec, zip);
    const result = await ingestPackage(archive, zip, { agreement, submitter: 's' });
    const out = await mkdtemp(path.join(work, 'sig-'));
    fs.writeFileSync(path.join(out, 'receipt.xml'), result.receipt.xml);
    fs.writeFileSync(path.join(out, 'receipt.xml.p7s'), result.receipt.xmlSignature);
    fs.writeFileSync(path.join(out, 'receipt.json'), result.receipt.json);
    fs.writeFileSync(path.join(out, 'receipt.json.p7s'), result.receipt.jsonSignature);
    fs.writeFileSync(path.join(out, 'trusted.pem'), archive.trustedCertificates().map((c) => c.pem).join('\n'));
    for (const name of ['receipt.xml', 'receipt.json']) {
      execFileSync('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-content', name, '-in', `${name}.p7s`, '-CAfile', 'trusted.pem', '-partial_chain', '-purpose', 'any', '-out', '/dev/null'], { cwd: out, stdio: 'pipe' });
    }
    fs.appendFileSync(path.join(out, 'receipt.xml'), ' ');
    expect(() => execFileSync('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-content', 'receipt.xml', '-in', 'receipt.xml.p7s', '-CAfile', 'trusted.pem', '-partial_chain', '-purpose', 'any', '-out', '/dev/null'], { cwd: out, stdio: 'pipe' })).toThrow();
    execFileSync('xmllint', ['--noout', '--nonet', '--schema', path.resolve(__dirname, '../../../../schemas/receipt.xsd'), path.join(out, 'receipt.xml')], { stdio: 'pipe' });
  });

  it('rebuilds the ERMS tables from storage alone', async () => {
    const before = archive.catalog.db.prepare('SELECT aip_id, diarienummer FROM erms_cases ORDER BY aip_id, diarienummer').all();
    await archive.rebuildCatalog();
    const after = archive.catalog.db.prepare('SELECT aip_id, diarienummer FROM erms_cases ORDER BY aip_id, diarienummer').all();
    expect(after).toEqual(before);
    expect(before.length).toBeGreaterThan(0);
  });
});

async function streamBytes(s: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

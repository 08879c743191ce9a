/**
 * The access commands of the real `bevara` CLI on a real archive: `bevara search --json` prints exactly what
 * GET /api/v1/public/records answers; `secrecy due` lists what lapses next; `secrecy clear` and `set` are new
 * AIP versions with a PREMIS event and an audit-log entry, change what the public sees at once, and survive
 * `bevara catalog rebuild`.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Archive } from '@bevara/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DECISIONS_PATH } from '../../packages/access/src/catalog/decisions.ts';
import { accessCatalog } from '../../packages/access/src/catalog/extension.ts';
import { MAX_TEXT_SOURCE_BYTES } from '../../packages/access/src/search/text.ts';
import { createApp } from '../../packages/cli/src/serve/app.ts';
import { ermsCatalog } from '../../packages/ingest/src/erms-catalog/extension.ts';
import { bytesContent } from '../../packages/ingest/src/generator/content.ts';
import { generatePackage } from '../../packages/ingest/src/generator/generate.ts';
import { reseal } from '../../packages/ingest/src/generator/seal.ts';
import type { PackageTruth } from '../../packages/ingest/src/generator/types.ts';
import { writeZip } from '../../packages/ingest/src/generator/writers.ts';
import { ingestPackage } from '../../packages/ingest/src/pipeline/ingest.ts';
import { SubmissionService } from '../../packages/ingest/src/submission/service.ts';
import { bevaraIn, jsonError, jsonLines } from '../support/cli.ts';
import { tempDir } from './support/archive.ts';

let work: string;
let dir: string;
let truth: PackageTruth;
let aipId: string;
/** A document that says it is a PDF and is not one: pdf.js cannot read it. */
let brokenPdf: string;
/** A text document larger than the access index reads for text (MAX_TEXT_SOURCE_BYTES). */
let largeText: string;
const extensions = () => ({ catalogExtensions: [ermsCatalog, accessCatalog()] });

beforeAll(async () => {
  work = tempDir('access-cli');
  dir = path.join(work, 'archive');
  const archive = await Archive.init(dir, extensions());
  const spec = generatePackage({ profile: 'fgs12', seed: 'access-cli', organisation: 'Exempelby kommun', cases: 5, markers: true });
  const pdf = spec.files.find((f) => f.path.endsWith('.pdf'))!;
  pdf.content = bytesContent(`%PDF-1.7\n${'no objects, no cross-reference table\n'.repeat(20)}%%EOF\n`);
  const txt = spec.files.find((f) => f.path.endsWith('.txt'))!;
  // letters that do not repeat, so the zip does not take it for a bomb (I-008)
  txt.content = bytesContent(randomLetters(MAX_TEXT_SOURCE_BYTES + 1));
  reseal(spec);
  brokenPdf = `submission/${pdf.path}`;
  largeText = `submission/${txt.path}`;
  await writeZip(spec, path.join(work, 'p.zip'));
  const result = await ingestPackage(archive, path.join(work, 'p.zip'), { agreement: { id: 'default', name: 'Default', strictFormats: false, allowUpdates: false }, submitter: 'test' });
  expect(result.outcome, JSON.stringify(result.report.results.filter((r) => r.status === 'failed'))).toBe('archived');
  truth = spec.truth;
  aipId = result.aip!;
  await archive.close();
}, 300_000);

afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

function randomLetters(length: number): Buffer {
  const out = Buffer.alloc(length);
  let x = 2463534242;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = (x >>> 0) % 7 === 0 ? 0x20 : 0x61 + ((x >>> 8) % 26);
  }
  return out;
}

const search = async (q: string) => {
  const r = await bevaraIn(dir, ['search', q, '--json', '--limit', '100']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { records: Array<{ objectId: string; id: string }>; total: number };
};

describe('bevara search', () => {
  it('prints exactly what the public API answers', async () => {
    const archive = await Archive.open(dir, extensions());
    const server = http.createServer(createApp({ submissions: new SubmissionService(archive), log: () => undefined, access: { archive } }).callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      for (const q of ['bygglov', 'kommun', truth.cases[0]!.diarienummer, 'påhitt', 'BVRHEMLIG']) {
        const api = await (await fetch(`${base}/api/v1/public/records?q=${encodeURIComponent(q)}&limit=100`)).json();
        expect(await search(q), q).toEqual(api);
      }
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await archive.close();
    }
  });
});

describe('bevara secrecy', () => {
  const withheld = () => truth.cases.flatMap((c) => c.records).filter((r) => r.secrecy && r.secrecy.level === 'record');
  const released = () => truth.cases.flatMap((c) => c.records).filter((r) => !r.secrecy);

  it('due lists withheld records that lapse on a known day, soonest first', async () => {
    const r = await bevaraIn(dir, ['secrecy', 'due', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const due = jsonLines<{ objectId: string; publicFrom: string }>(r.stdout);
    expect(due.length).toBeGreaterThan(0);
    const days = due.map((d) => d.publicFrom);
    expect(days).toEqual([...days].sort());
    for (const d of due) expect(d.publicFrom).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const secret = new Set(truth.cases.flatMap((c) => c.records).filter((x) => x.secrecy).map((x) => x.objectId));
    for (const d of due) expect(secret.has(d.objectId)).toBe(true);
  });

  it('due without --json shows each marking with the day it runs from, as the JSON has it', async () => {
    const [json, text] = await Promise.all([bevaraIn(dir, ['secrecy', 'due', '--all', '--json']), bevaraIn(dir, ['secrecy', 'due', '--all'])]);
    expect([json.code, text.code], text.stderr).toEqual([0, 0]);
    const due = jsonLines<{ id: string; markings: Array<{ ground: string | null; from: string | null }> }>(json.stdout);
    const lines = text.stdout.trim().split('\n');
    expect(lines).toHaveLength(due.length);
    for (const d of due) {
      const line = lines.find((l) => l.endsWith(`[${d.id}]`));
      for (const m of d.markings) expect(line, d.id).toContain(`${m.ground ?? '(no ground)'} from ${m.from ?? "the record's date"}`);
    }
  });

  it('clear releases a record and set withholds one: new versions, PREMIS events, audit entries, kept by a rebuild', async () => {
    const toRelease = withheld()[0]!;
    const toWithhold = released()[0]!;
    expect((await search(toRelease.objectId)).records.map((x) => x.objectId)).not.toContain(toRelease.objectId);

    const cleared = await bevaraIn(dir, ['secrecy', 'clear', toRelease.objectId, '--reason', 'Prövad: uppgifterna är inte längre känsliga', '--by', 'arkivarie', '--json']);
    expect(cleared.code, cleared.stderr).toBe(0);
    expect(jsonLines(cleared.stdout)[0]).toMatchObject({ objectId: toRelease.objectId, action: 'clear', publicFrom: '0000-01-01', version: 'v2' });
    expect((await search(toRelease.objectId)).records.map((x) => x.objectId)).toContain(toRelease.objectId);

    const set = await bevaraIn(dir, ['secrecy', 'set', toWithhold.objectId, '--ground', 'OSL 26 kap. 1 §', '--reason', 'Innehåller uppgifter om enskilds förhållanden', '--by', 'arkivarie', '--json']);
    expect(set.code, set.stderr).toBe(0);
    expect(jsonLines(set.stdout)[0]).toMatchObject({ objectId: toWithhold.objectId, action: 'set', ground: 'OSL 26 kap. 1 §', version: 'v3' });
    expect((await search(toWithhold.objectId)).records.map((x) => x.objectId)).not.toContain(toWithhold.objectId);

    const rebuilt = await bevaraIn(dir, ['catalog', 'rebuild']);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect((await search(toRelease.objectId)).records.map((x) => x.objectId)).toContain(toRelease.objectId);
    expect((await search(toWithhold.objectId)).records.map((x) => x.objectId)).not.toContain(toWithhold.objectId);

    const archive = await Archive.open(dir, extensions());
    try {
      const aip = archive.show(aipId);
      expect(aip.head).toBe('v3');
      const premis = aip.events.filter((e) => e.type === 'metadata modification');
      expect(premis.map((e) => e.version)).toEqual(['v2', 'v3']);
      expect(premis[1]!.detail).toContain('OSL 26 kap. 1 §');
      const audit = [];
      for await (const e of archive.audit.entries()) if (e.type === 'secrecy.decided') audit.push(e);
      expect(audit.map((e) => [e.actor, (e.data as { record: string }).record, (e.data as { action: string }).action])).toEqual([
        ['arkivarie', toRelease.objectId, 'clear'],
        ['arkivarie', toWithhold.objectId, 'set'],
      ]);
    } finally {
      await archive.close();
    }
    const verify = await bevaraIn(dir, ['verify']);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  });

  it('refuses an unreadable ground (A-005) and an unknown record (A-001), changing nothing', async () => {
    const bad = await bevaraIn(dir, ['secrecy', 'set', released()[1]!.objectId, '--ground', 'sekretess', '--reason', 'x', '--json']);
    expect(bad.code).toBe(2);
    expect(jsonError(bad).code).toBe('A-005');
    const none = await bevaraIn(dir, ['secrecy', 'clear', 'XX 1999/0001-1', '--reason', 'x', '--json']);
    expect(none.code).toBe(2);
    expect(jsonError(none).code).toBe('A-001');
    const archive = await Archive.open(dir, extensions());
    try {
      expect(archive.show(aipId).head).toBe('v3');
    } finally {
      await archive.close();
    }
  });

  it('keeps both of two decisions on one AIP taken at the same time (two commands)', async () => {
    const [a, b] = [released()[2]!, released()[3]!];
    const runs = await Promise.all([a, b].map((r) => bevaraIn(dir, ['secrecy', 'set', r.objectId, '--ground', 'OSL 26 kap. 1 §', '--reason', 'Prövad samtidigt', '--by', 'arkivarie', '--json'])));
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    expect(runs.map((r) => jsonLines(r.stdout)[0]!.version).sort()).toEqual(['v4', 'v5']);
    const archive = await Archive.open(dir, extensions());
    try {
      const stored = JSON.parse((await archive.readFile(aipId, DECISIONS_PATH, 1024 * 1024)).toString('utf8')) as unknown;
      const decided = JSON.stringify(stored);
      for (const r of [a, b]) expect(decided).toContain(r.objectId);
    } finally {
      await archive.close();
    }
    for (const r of [a, b]) expect((await search(r.objectId)).records.map((x) => x.objectId)).not.toContain(r.objectId);
  });
});

describe('bevara show', () => {
  it('names the documents search cannot find by their text and why, the same after a catalog rebuild', async () => {
    const text = await bevaraIn(dir, ['show', aipId]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('Not searchable by their text (their records still are, by their metadata):');
    expect(text.stdout).toContain(`  ${brokenPdf}: its reader could not read it`);
    expect(text.stdout).toContain(`  ${largeText}: too large to read for text`);
    const unsearchable = async () => {
      const r = await bevaraIn(dir, ['show', aipId, '--json']);
      expect(r.code, r.stderr).toBe(0);
      return (jsonLines(r.stdout)[0] as { unsearchable: unknown }).unsearchable;
    };
    // every other document (PDF, text, XML) was read; the images and sound have no text reader
    const expected = [{ path: brokenPdf, reason: 'unreadable' }, { path: largeText, reason: 'too-large' }].sort((a, b) => (a.path < b.path ? -1 : 1));
    expect(await unsearchable()).toEqual(expected);
    const rebuilt = await bevaraIn(dir, ['catalog', 'rebuild', '--json']);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect(await unsearchable()).toEqual(expected);
  });
});

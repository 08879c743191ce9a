/**
 * The leak test: generated packages (both profiles, markers on) go through the real ingest pipeline into a
 * real archive; the real HTTP app serves it on 127.0.0.1; a crawler visits every public route and page,
 * follows every link and form, searches for every marker, reads snippets, facet counts, error pages and
 * downloads (also by the exact ids of withheld files), and no withheld marker may appear anywhere, in any
 * body or header. The same crawl at a later date, when some markings have lapsed, must find the markers
 * of exactly those records: the test fails both ways. Markings that withhold the registration details too
 * put a marker (BVRREG…) into the diarienummer or object id they hide; neither marker nor the hidden dates
 * may appear anywhere while they are withheld. A marking that runs from a later day than its record keeps
 * the record withheld past the day counted from the record's date.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Archive } from '@bevara/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessCatalog } from '../../packages/access/src/catalog/extension.ts';
import { caseIdFor, fileIdFor, recordIdFor } from '../../packages/access/src/catalog/ids.ts';
import { extractText } from '../../packages/access/src/search/text.ts';
import { defaultProvisions, findProvision } from '../../packages/access/src/secrecy/provisions.ts';
import { createApp } from '../../packages/cli/src/serve/app.ts';
import { ermsCatalog } from '../../packages/ingest/src/erms-catalog/extension.ts';
import { generatePackage } from '../../packages/ingest/src/generator/generate.ts';
import type { CaseTruth, PackageTruth, RecordTruth, SecrecyTruth } from '../../packages/ingest/src/generator/types.ts';
import { writeZip } from '../../packages/ingest/src/generator/writers.ts';
import { ingestPackage } from '../../packages/ingest/src/pipeline/ingest.ts';
import { SubmissionService } from '../../packages/ingest/src/submission/service.ts';
import { tempDir } from './support/archive.ts';

const PROFILES = ['fgs12', 'eark-csip-2.1'] as const;
const NOW = new Date('2026-11-23T12:00:00Z');
/** Late enough for the 20-year markings (OSL 19 and 31 kap.) of 2023-2024 to have lapsed, not the 50- and 70-year ones. */
const LATER = new Date('2050-06-01T12:00:00Z');
const MAX_REQUESTS = 20_000;

let work: string;
let archive: Archive;
let server: http.Server;
let base: string;
let clock = NOW;
const packages: Array<{ aipId: string; truth: PackageTruth }> = [];

beforeAll(async () => {
  work = tempDir('leak');
  archive = await Archive.init(path.join(work, 'archive'), { catalogExtensions: [ermsCatalog, accessCatalog()] });
  for (const profile of PROFILES) {
    const spec = generatePackage({ profile, seed: `leak-${profile}`, organisation: `${profile === 'fgs12' ? 'Exempelby' : 'Provsta'} kommun`, cases: 6, markers: true });
    const zip = path.join(work, `${profile}.zip`);
    await writeZip(spec, zip);
    const result = await ingestPackage(archive, zip, { agreement: { id: 'default', name: 'Default', strictFormats: false, allowUpdates: false }, submitter: 'leak test' });
    const failed = result.report.results.filter((r) => r.status === 'failed').map((r) => r.id);
    expect(result.outcome, `${profile} rejected by ingest: ${failed.join(', ')}`).toBe('archived');
    packages.push({ aipId: result.aip!, truth: spec.truth });
  }
  const app = createApp({ submissions: new SubmissionService(archive), log: () => undefined, access: { archive, now: () => clock } });
  server = http.createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 300_000);

afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await archive?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

// ---- what the truth says is public at a given day -----------------------------------------------------

function addYears(date: string, years: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return d.toISOString().slice(0, 10);
}

/** Whether the marking has lapsed at `at`, counted from the day it states or else from `from`. */
function lapsed(s: SecrecyTruth | undefined, from: string, at: Date): boolean {
  if (!s) return true;
  const max = findProvision(defaultProvisions(), s.chapter, s.section)?.maxYears ?? null;
  return max !== null && addYears(s.runsFrom ?? from, max) <= at.toISOString().slice(0, 10);
}

/** The registration details stay hidden while a marking that covers them is in force. */
function registrationHidden(s: SecrecyTruth | undefined, from: string, at: Date): boolean {
  return s?.coversRegistration === true && !lapsed(s, from, at);
}

const REGISTRATION_MARKER = /BVRREG[0-9A-F]{12}/;

interface Expected {
  publicRecords: Array<{ aipId: string; c: CaseTruth; r: RecordTruth }>;
  withheldRecords: Array<{ aipId: string; c: CaseTruth; r: RecordTruth }>;
  /** Withheld records whose object id, case and date are shown. */
  registeredRecords: Array<{ aipId: string; c: CaseTruth; r: RecordTruth }>;
  hiddenMarkers: string[];
  shownMarkers: string[];
  /** Dates of hidden registration details that no shown record or case has. */
  hiddenDates: string[];
  /** How many records and cases have their registration details hidden. */
  hiddenRegistrations: number;
}

function expected(at: Date): Expected {
  const out: Expected = { publicRecords: [], withheldRecords: [], registeredRecords: [], hiddenMarkers: [], shownMarkers: [], hiddenDates: [], hiddenRegistrations: 0 };
  const hiddenDates = new Set<string>();
  const shownDates = new Set<string>();
  const registration = (hidden: boolean, id: string, dates: string[]) => {
    const marker = REGISTRATION_MARKER.exec(id)?.[0];
    if (hidden) out.hiddenRegistrations++;
    if (marker && hidden && !out.hiddenMarkers.includes(marker)) out.hiddenMarkers.push(marker);
    for (const d of dates) (hidden ? hiddenDates : shownDates).add(d);
  };
  for (const { aipId, truth } of packages) {
    for (const c of truth.cases) {
      if (c.marker) (lapsed(c.secrecy, c.openedAt, at) ? out.shownMarkers : out.hiddenMarkers).push(c.marker);
      registration(registrationHidden(c.secrecy, c.openedAt, at), c.diarienummer, [c.openedAt, c.closedAt]);
      for (const r of c.records) {
        const isPublic = lapsed(r.secrecy, r.date, at);
        (isPublic ? out.publicRecords : out.withheldRecords).push({ aipId, c, r });
        if (r.marker) (isPublic ? out.shownMarkers : out.hiddenMarkers).push(r.marker);
        const hidden = registrationHidden(r.secrecy, r.date, at);
        if (!isPublic && !hidden) out.registeredRecords.push({ aipId, c, r });
        registration(hidden, r.objectId, [r.date]);
      }
    }
  }
  // A hidden date that some shown record or case also has proves nothing either way.
  out.hiddenDates = [...hiddenDates].filter((d) => !shownDates.has(d));
  return out;
}

// ---- the crawler ---------------------------------------------------------------------------------------

interface Visit {
  url: string;
  status: number;
  type: string;
  text: string;
}

function decodeEntities(s: string): string {
  return s.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n))).replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}

async function request(url: string, init: RequestInit = {}): Promise<Visit & { bytes: Buffer }> {
  const res = await fetch(base + url, { redirect: 'manual', ...init });
  const bytes = Buffer.from(await res.arrayBuffer());
  const headers = [...res.headers.entries()].map(([k, v]) => `${k}: ${v}`).join('\n');
  const type = res.headers.get('content-type') ?? '';
  let text = `${headers}\n${bytes.toString('utf8')}\n${bytes.toString('latin1')}`;
  if (type.startsWith('application/pdf')) text += '\n' + (await extractText('pdf', bytes));
  return { url, status: res.status, type, text, bytes };
}

async function crawl(searchWords: string[]): Promise<{ visits: Visit[]; downloads: Map<string, string> }> {
  const queue = ['/', '/en/', '/en', '/api/v1/public/records', '/api/v1/openapi.json', '/healthz', '/static/bevara.css', '/no/such/page', '/handling/nonsense', '/en/case/c00000000000000000000'];
  const seen = new Set(queue);
  const visits: Visit[] = [];
  const downloads = new Map<string, string>();
  const add = (u: string) => {
    if (!u.startsWith('/') || u.startsWith('//')) return;
    if (!seen.has(u)) {
      seen.add(u);
      queue.push(u);
    }
  };
  while (queue.length > 0) {
    expect(visits.length, 'the crawl does not end').toBeLessThan(MAX_REQUESTS);
    const url = queue.shift()!;
    const v = await request(url);
    visits.push(v);
    const location = v.text.match(/^location: (.*)$/m)?.[1];
    if (location) add(location.startsWith(base) ? location.slice(base.length) : location);
    if (v.type.startsWith('text/html')) {
      const body = v.bytes.toString('utf8');
      for (const m of body.matchAll(/href="([^"]*)"/g)) add(decodeEntities(m[1]!));
      for (const m of body.matchAll(/<form([^>]*)>([\s\S]*?)<\/form>/g)) {
        const action = decodeEntities(m[1]!.match(/action="([^"]*)"/)?.[1] ?? url);
        const method = (m[1]!.match(/method="([^"]*)"/)?.[1] ?? 'get').toLowerCase();
        if (method === 'get') {
          for (const w of searchWords) add(`${action}?q=${encodeURIComponent(w)}`);
        } else {
          const fields = new URLSearchParams();
          for (const f of m[2]!.matchAll(/<(?:input|textarea)[^>]*name="([^"]*)"(?:[^>]*value="([^"]*)")?/g)) fields.set(decodeEntities(f[1]!), decodeEntities(f[2] ?? 'leak-test@example.org'));
          const key = `POST ${action} ${fields.toString()}`;
          if (!seen.has(key)) {
            seen.add(key);
            visits.push(await request(action, { method: 'POST', body: fields, headers: { 'content-type': 'application/x-www-form-urlencoded' } }));
          }
        }
      }
    } else if (v.type.startsWith('application/json') || v.type.startsWith('application/problem+json')) {
      const walk = (x: unknown, key?: string): void => {
        if (typeof x === 'string') {
          if (x.startsWith('/')) add(x);
          if (key === 'next') {
            const u = new URL(base + url);
            u.searchParams.set('cursor', x);
            add(u.pathname + u.search);
          }
        } else if (Array.isArray(x)) x.forEach((y) => walk(y));
        else if (x && typeof x === 'object') for (const [k, y] of Object.entries(x)) walk(y, k);
      };
      walk(JSON.parse(v.bytes.toString('utf8')));
      if (url.startsWith('/api/v1/public/records') && !url.includes('/records/')) for (const w of searchWords) add(`/api/v1/public/records?q=${encodeURIComponent(w)}`);
    } else if (url.endsWith('/content') && v.status === 200) {
      downloads.set(url, createHash('sha256').update(v.bytes).digest('hex'));
    }
  }
  return { visits, downloads };
}

function assertNoMarker(visits: Visit[], markers: string[]): void {
  const leaks: string[] = [];
  for (const v of visits) for (const m of markers) if (v.text.includes(m)) leaks.push(`${m} in ${v.url} (${v.status})`);
  expect(leaks).toEqual([]);
}

async function guessedIds(exp: Expected): Promise<Visit[]> {
  const visits: Visit[] = [];
  for (const { aipId, c, r } of exp.withheldRecords) {
    const rid = recordIdFor(aipId, r.objectId);
    for (const u of [`/handling/${rid}`, `/en/record/${rid}`, `/api/v1/public/records/${rid}`, `/arende/${caseIdFor(aipId, c.diarienummer)}`, `/api/v1/public/cases/${caseIdFor(aipId, c.diarienummer)}`]) {
      const v = await request(u);
      expect(v.status, u).toBe(200);
      visits.push(v);
    }
    for (const f of r.files) {
      const fid = fileIdFor(rid, `submission/${f}`);
      for (const u of [`/api/v1/public/files/${fid}`, `/api/v1/public/files/${fid}/content`]) {
        const v = await request(u);
        expect(v.status, `${u} of withheld ${r.objectId}`).toBe(404);
        visits.push(v);
      }
    }
  }
  for (const u of ['/api/v1/public/files/f00000000000000000000/content', '/api/v1/public/files/..%2F..%2Fbevara.json/content', '/api/v1/public/records/r00000000000000000000', '/handling/r00000000000000000000', '/api/v1/public/records?cursor=eyJrIjoxfQ', '/api/v1/public/records?limit=100000', '/?year=abc']) {
    const v = await request(u);
    expect([400, 404], u).toContain(v.status);
    visits.push(v);
  }
  return visits;
}

function checkPositive(exp: Expected, crawled: { visits: Visit[]; downloads: Map<string, string> }): void {
  const pages = new Set(crawled.visits.filter((v) => v.status === 200).map((v) => v.url));
  const everything = crawled.visits.map((v) => v.text).join('\n');
  for (const { aipId, r } of exp.publicRecords) {
    const rid = recordIdFor(aipId, r.objectId);
    expect(pages.has(`/handling/${rid}`), `page of public ${r.objectId}`).toBe(true);
    expect(pages.has(`/en/record/${rid}`), `English page of public ${r.objectId}`).toBe(true);
    for (const f of r.files) {
      const url = `/api/v1/public/files/${fileIdFor(rid, `submission/${f}`)}/content`;
      const truthFile = packages.flatMap((p) => p.truth.files).find((x) => x.path === f);
      expect(crawled.downloads.get(url), `download of ${f}`).toBe(truthFile?.sha256);
    }
  }
  for (const m of exp.shownMarkers) expect(everything.includes(m), `marker ${m} of a released record`).toBe(true);
  // a withheld record whose registration details are not withheld shows its object id and date
  for (const { r } of exp.registeredRecords) {
    expect(everything.includes(r.objectId), `object id of withheld ${r.objectId}`).toBe(true);
    expect(everything.includes(r.date), `date of withheld ${r.objectId}`).toBe(true);
  }
  // no download is a withheld record's file, whatever its name
  const withheldDigests = new Set(exp.withheldRecords.flatMap(({ r }) => r.files.map((f) => packages.flatMap((p) => p.truth.files).find((x) => x.path === f)?.sha256)));
  for (const [url, digest] of crawled.downloads) expect(withheldDigests.has(digest), url).toBe(false);
}

describe.each([
  ['today', NOW],
  ['in 2050, when the 20-year markings have lapsed', LATER],
])('no withheld marker leaks (%s)', (_label, at) => {
  it('crawls every page, form, search, snippet, facet, error page and download', async () => {
    clock = at;
    const exp = expected(at);
    expect(exp.withheldRecords.length).toBeGreaterThan(3);
    expect(exp.hiddenMarkers.length).toBeGreaterThan(3);
    if (at === LATER) expect(exp.shownMarkers.length).toBeGreaterThan(0);
    // Both packages together hide registration details at case and at record level, and some hidden dates are unique.
    expect(exp.hiddenRegistrations).toBeGreaterThan(3);
    expect(exp.hiddenMarkers.filter((m) => REGISTRATION_MARKER.test(m)).length).toBeGreaterThan(1);
    expect(exp.hiddenDates.length).toBeGreaterThan(0);
    // Markers are searched in lower case (the search ignores case): a page that echoes the query then cannot
    // be mistaken for a leak, while a hit would show the marker as stored, in upper case.
    const markerWords = [...exp.hiddenMarkers, ...exp.shownMarkers, ...exp.hiddenMarkers.map((m) => m.slice(0, 12)), 'BVRHEMLIG', 'BVRREG'].map((m) => m.toLowerCase());
    const words = [...markerWords, 'kommun', 'sekretess', 'Förklaring', 'Kontrollsträng', 'påhittade', ...exp.publicRecords.slice(0, 5).map((x) => x.r.objectId)];
    const crawled = await crawl(words);
    crawled.visits.push(...(await guessedIds(exp)));
    assertNoMarker(crawled.visits, exp.hiddenMarkers);
    assertNoMarker(crawled.visits, exp.hiddenDates);
    checkPositive(exp, crawled);
  }, 600_000);
});

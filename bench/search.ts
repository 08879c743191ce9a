// Public search over a catalog of BENCH_SEARCH_RECORDS (1,000,000) generated records: latency (median, p95)
// of typical queries through the public JSON API (the serve app on 127.0.0.1), against the same SQL run
// directly on the same database with better-sqlite3. The API's search adds the secrecy filter, paging,
// facets and the total to the FTS5 match, so the baseline is exactly the statements it ran (recorded once
// per query, then replayed), not a bare MATCH; a bare MATCH is printed too, for scale.
//
// Records are inserted directly, not ingested: the ERMS rows go straight into the erms extension's tables
// (its own DDL), and the access extension's real index path turns them into the public tables and the FTS5
// index, in transactions of many AIPs.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Archive, type CatalogExtension, type IndexedAip } from '@bevara/storage';
import { accessCatalog, searchPublic, type SearchParams } from '../packages/access/src/index.ts';
import { ermsCatalog, SubmissionService } from '@bevara/ingest';
import { createApp } from '../packages/cli/src/serve/app.ts';
import { loadAverage, median } from './lib.ts';

const RECORDS = Number(process.env['BENCH_SEARCH_RECORDS'] ?? 1_000_000);
const ROUNDS = Number(process.env['BENCH_SEARCH_ROUNDS'] ?? 30);
const RECORDS_PER_AIP = 200;
const RECORDS_PER_CASE = 8;
const AIPS_PER_TRANSACTION = 50;
const NOW = new Date('2026-11-23T12:00:00Z');

type Db = Parameters<CatalogExtension['remove']>[0];

// ---- generated content ------------------------------------------------------------------------------

/** A small deterministic generator, so every run searches the same catalog. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const BOARDS = [['BN', 'Bygg- och miljönämnden'], ['SN', 'Socialnämnden'], ['BUN', 'Barn- och utbildningsnämnden'], ['KS', 'Kommunstyrelsen'], ['TN', 'Tekniska nämnden']] as const;
const ORGANISATIONS = ['Exempelby kommun', 'Provsta kommun', 'Åsby kommun', 'Norrköping kommun', 'Lövsta kommun', 'Älvdalen kommun', 'Östra Sala kommun', 'Sjöbo kommun'];
const KINDS = ['Ansökan', 'Beslut', 'Yttrande', 'Protokoll', 'Tjänsteskrivelse', 'Ritning', 'Anbud', 'Kallelse', 'Underlag', 'Utredning'];
const WORDS = (
  'ansökan bygglov beslut yttrande granne fastighet tillbyggnad garage skärmtak förskoleklass skolplacering elevhälsa ' +
  'försörjningsstöd ekonomiskt bistånd hyresavi kontoutdrag upphandling anbud skolskjutsar städtjänster livsmedel ' +
  'äldreboende vinterväghållning protokoll sammanträde kommunstyrelsen budget verksamhetsplan personalärende ' +
  'detaljplan strandskydd dispens tillsyn miljöfarlig verksamhet avlopp enskilt vatten parkering färdtjänst ' +
  'bostadsanpassning överklagande länsstyrelsen förvaltningsrätten kammarrätten delegationsbeslut nämnden ' +
  'handläggare utredning remiss samråd granskning utställning planbesked marklov rivningslov startbesked slutbesked'
).split(' ');

/** Also some rarer words: synthetic stems, so not every query hits a fifth of the catalog. */
function word(rnd: () => number): string {
  if (rnd() < 0.7) return WORDS[Math.floor(rnd() * WORDS.length)]!;
  return `ord${Math.floor(rnd() * 20_000).toString(36)}`;
}

function sentence(rnd: () => number, n: number): string {
  return Array.from({ length: n }, () => word(rnd)).join(' ');
}

function isoDay(rnd: () => number): string {
  const d = new Date(Date.UTC(1995, 0, 1) + Math.floor(rnd() * 30 * 365) * 86_400_000);
  return d.toISOString().slice(0, 10);
}

// ---- building the catalog -----------------------------------------------------------------------------

async function build(db: Db): Promise<void> {
  // The bench's own throwaway catalog: a crash loses nothing worth keeping, so no fsync per commit.
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -131072');
  const access = accessCatalog();
  const rnd = lcg(2026);
  const insCase = db.prepare('INSERT INTO erms_cases(aip_id, diarienummer, system_id, title, organisation, opened_at, closed_at, source_path) VALUES (?, ?, NULL, ?, ?, ?, ?, ?)');
  const insRecord = db.prepare('INSERT INTO erms_records(aip_id, case_id, object_id, system_id, title, record_type, date) VALUES (?, ?, ?, NULL, ?, ?, ?)');
  const insDoc = db.prepare('INSERT INTO erms_documents(aip_id, record_id, path, name) VALUES (?, ?, ?, ?)');
  const insSecrecy = db.prepare(
    'INSERT INTO erms_secrecy(aip_id, case_id, record_id, status, provision, chapter, section, explanatory_text, type, runs_from, covers_registration) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, NULL, ?)',
  );
  const aips = Math.ceil(RECORDS / RECORDS_PER_AIP);
  const started = Date.now();
  let made = 0;
  let serial = 0;
  for (let a = 0; a < aips; a++) {
    if (a % AIPS_PER_TRANSACTION === 0) db.exec('BEGIN');
    const aipId = `urn:uuid:bench-${String(a).padStart(8, '0')}`;
    const organisation = ORGANISATIONS[a % ORGANISATIONS.length]!;
    const texts = new Map<string, Buffer>();
    const files: IndexedAip['files'] = [];
    for (let r = 0; r < RECORDS_PER_AIP && made < RECORDS; r += RECORDS_PER_CASE) {
      const [board] = BOARDS[Math.floor(rnd() * BOARDS.length)]!;
      const opened = isoDay(rnd);
      const dnr = `${board} ${opened.slice(0, 4)}/${String(++serial % 10_000).padStart(4, '0')}`;
      const caseId = insCase.run(aipId, dnr, sentence(rnd, 6), organisation, opened, opened, 'submission/erms.xml').lastInsertRowid;
      // About one case in twelve is secret as a whole (socialtjänst, 70 years), one record in ten on its own.
      if (rnd() < 0.08) insSecrecy.run(aipId, caseId, null, 'withheld', 'OSL 26 kap. 1 §', 26, 1, 'confidential', rnd() < 0.3 ? 1 : 0);
      for (let i = 0; i < RECORDS_PER_CASE && made < RECORDS; i++, made++) {
        const objectId = `${dnr}-${i + 1}`;
        const recordId = insRecord.run(aipId, caseId, objectId, sentence(rnd, 7), KINDS[Math.floor(rnd() * KINDS.length)]!, isoDay(rnd)).lastInsertRowid;
        if (rnd() < 0.1) insSecrecy.run(aipId, caseId, recordId, 'withheld', 'OSL 31 kap. 16 §', 31, 16, 'confidential', 0);
        const file = `submission/content/${serial}-${i + 1}.txt`;
        insDoc.run(aipId, recordId, file, `${objectId}.txt`);
        const bytes = Buffer.from(`${objectId}\n${sentence(rnd, 40)}\n`, 'utf8');
        texts.set(file, bytes);
        files.push({ path: file, size: bytes.length, sha256: '0'.repeat(64), mimeType: 'text/plain', contentPath: file } as IndexedAip['files'][number]);
      }
    }
    const aip = { summary: { id: aipId }, objectRoot: '', versions: [], files, events: [] } as unknown as IndexedAip;
    await access.index(db, aip, async (p) => texts.get(p)!);
    if (a % AIPS_PER_TRANSACTION === AIPS_PER_TRANSACTION - 1 || a === aips - 1) {
      db.exec('COMMIT');
      if (a % 1000 === AIPS_PER_TRANSACTION - 1) console.log(`  ${made} records (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    }
  }
  db.exec('ANALYZE');
  console.log(`  built ${made} records in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

// ---- measuring ---------------------------------------------------------------------------------------

/** The statements one search runs: a db whose prepare() notes each statement and its arguments. */
function recordStatements(db: Db, params: SearchParams): Array<{ sql: string; args: unknown[]; get: boolean }> {
  const seen: Array<{ sql: string; args: unknown[]; get: boolean }> = [];
  const spy = new Proxy(db, {
    get(target, prop) {
      if (prop !== 'prepare') return Reflect.get(target, prop, target);
      return (sql: string) => {
        const stmt = target.prepare(sql);
        return {
          all: (...args: unknown[]) => (seen.push({ sql, args, get: false }), stmt.all(...args)),
          get: (...args: unknown[]) => (seen.push({ sql, args, get: true }), stmt.get(...args)),
        };
      };
    },
  });
  searchPublic(spy as Db, params, NOW);
  return seen;
}

function p95(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(s.length * 0.95) - 1)]!;
}

function timeMs(fn: () => unknown): number {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

async function timeMsAsync(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

const dir = fs.mkdtempSync(path.join(process.env['BENCH_DIR'] ?? os.tmpdir(), 'bevara-bench-search-'));
try {
  const archive = await Archive.init(path.join(dir, 'archive'), { catalogExtensions: [ermsCatalog, accessCatalog()] });
  const db = archive.catalog.db;
  await build(db);
  const app = createApp({ submissions: new SubmissionService(archive), log: () => undefined, access: { archive, now: () => NOW } });
  const server = http.createServer(app.callback());
  // The direct runs between two requests can outlast Node's 5 s keep-alive; a socket closed meanwhile would
  // reset the next request.
  server.keepAliveTimeout = 10 * 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const firstPage = (await (await fetch(`${base}/api/v1/public/records?q=beslut`)).json()) as { next: string | null };
  let cursor = firstPage.next;
  for (let i = 0; i < 4 && cursor; i++) cursor = ((await (await fetch(`${base}/api/v1/public/records?q=beslut&cursor=${cursor}`)).json()) as { next: string | null }).next;
  const queries: Array<[string, SearchParams]> = [
    ['common word "beslut"', { q: 'beslut' }],
    ['Swedish word "försörjningsstöd"', { q: 'försörjningsstöd' }],
    ['rare word', { q: 'ord1a2' }],
    ['prefix "bygg"', { q: 'bygg' }],
    ['diarienummer "BN 2011/0187"', { q: 'BN 2011/0187' }],
    ['facet filter (organisation + kind, no words)', { organisation: 'Åsby kommun', kind: 'Beslut' }],
    ['word + facet filter (year)', { q: 'yttrande', year: 2012 }],
    ['paging: 6th page of "beslut"', { q: 'beslut', ...(cursor ? { cursor } : {}) }],
  ];
  const url = (p: SearchParams) => `${base}/api/v1/public/records?${new URLSearchParams(Object.entries(p).map(([k, v]): [string, string] => [k, String(v)])).toString()}`;
  console.log(`search over ${RECORDS} records, ${ROUNDS} rounds per query; load ${loadAverage()}`);
  for (const [name, params] of queries) {
    const statements = recordStatements(db, params);
    const api: number[] = [];
    const direct: number[] = [];
    const bare: number[] = [];
    const match = statements.find((s) => /MATCH @match/.test(s.sql))?.args[0] as { match?: string } | undefined;
    for (let i = 0; i < ROUNDS; i++) {
      api.push(await timeMsAsync(async () => (await fetch(url(params))).arrayBuffer()));
      direct.push(timeMs(() => { for (const s of statements) { const stmt = db.prepare(s.sql); if (s.get) stmt.get(...s.args); else stmt.all(...s.args); } }));
      if (match?.match) bare.push(timeMs(() => db.prepare('SELECT rowid FROM access_fts WHERE access_fts MATCH ? LIMIT 21').all(match.match)));
    }
    const ratio = median(api) / median(direct);
    console.log(
      `${name}: API median ${median(api).toFixed(1)} ms, p95 ${p95(api).toFixed(1)} ms; same SQL direct median ${median(direct).toFixed(1)} ms, p95 ${p95(direct).toFixed(1)} ms; ` +
        `ratio ${ratio.toFixed(2)}× (target ≤ 2×)${bare.length ? `; bare FTS5 MATCH (first 21) ${median(bare).toFixed(2)} ms` : ''}`,
    );
  }
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await archive.close();
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * The public pages in real Chromium: every page kind (search with results and facets, no results, English,
 * a released record, a withheld record with its request form, a public and a withheld case, 404 and 400)
 * passes axe-core's WCAG 2.1 AA rules; the search works with JavaScript off; headers are strict.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Archive } from '@bevara/storage';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessCatalog } from '../../packages/access/src/catalog/extension.ts';
import { createApp } from '../../packages/cli/src/serve/app.ts';
import { ermsCatalog } from '../../packages/ingest/src/erms-catalog/extension.ts';
import { generatePackage } from '../../packages/ingest/src/generator/generate.ts';
import { writeZip } from '../../packages/ingest/src/generator/writers.ts';
import { ingestPackage } from '../../packages/ingest/src/pipeline/ingest.ts';
import { SubmissionService } from '../../packages/ingest/src/submission/service.ts';
import { axeViolations, launchChromium } from '../support/browser.ts';
import { tempDir } from './support/archive.ts';

let work: string;
let archive: Archive;
let server: http.Server;
let base: string;
let browser: Browser;

beforeAll(async () => {
  work = tempDir('access-pages');
  archive = await Archive.init(path.join(work, 'archive'), { catalogExtensions: [ermsCatalog, accessCatalog()] });
  const spec = generatePackage({ profile: 'fgs12', seed: 'access-pages', organisation: 'Exempelby kommun', cases: 5, markers: true });
  const zip = path.join(work, 'p.zip');
  await writeZip(spec, zip);
  const result = await ingestPackage(archive, zip, { agreement: { id: 'default', name: 'Default', strictFormats: false, allowUpdates: false }, submitter: 'test' });
  expect(result.outcome).toBe('archived');
  server = http.createServer(createApp({ submissions: new SubmissionService(archive), log: () => undefined, access: { archive } }).callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await archive?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

function pageKinds(): Array<[string, string, number]> {
  const db = archive.catalog.db;
  const today = new Date().toISOString().slice(0, 10);
  const pub = db.prepare('SELECT id FROM access_records WHERE public_from <= ? LIMIT 1').get(today) as { id: string };
  const secret = db.prepare('SELECT id FROM access_records WHERE public_from > ? LIMIT 1').get(today) as { id: string };
  const openCase = db.prepare('SELECT id FROM access_cases WHERE public_from <= ? LIMIT 1').get(today) as { id: string };
  const closedCase = db.prepare('SELECT id FROM access_cases WHERE public_from > ? LIMIT 1').get(today) as { id: string };
  return [
    ['search (sv)', '/', 200],
    ['search with words', '/?q=bygglov', 200],
    ['search with a filter', `/?year=${db.prepare('SELECT year FROM access_records WHERE year IS NOT NULL LIMIT 1').pluck().get()}`, 200],
    ['search without results', '/?q=finnsinte', 200],
    ['search (en)', '/en/?q=kommun', 200],
    ['released record', `/handling/${pub.id}`, 200],
    ['released record (en)', `/en/record/${pub.id}`, 200],
    ['withheld record with request form', `/handling/${secret.id}`, 200],
    ['withheld record (en)', `/en/record/${secret.id}`, 200],
    ['public case', `/arende/${openCase.id}`, 200],
    ['withheld case', `/en/case/${closedCase.id}`, 200],
    ['not found', '/handling/r00000000000000000000', 404],
    ['bad request', '/?year=x', 400],
  ];
}

describe('public pages in Chromium', () => {
  it('every page kind passes axe-core WCAG 2.1 AA', async () => {
    const context = await browser.newContext({ bypassCSP: true });
    const found: Record<string, unknown> = {};
    try {
      for (const [name, url, status] of pageKinds()) {
        const page = await context.newPage();
        const res = await page.goto(base + url);
        expect(res?.status(), name).toBe(status);
        const violations = await axeViolations(page);
        if (violations.length > 0) found[name] = violations;
        await page.close();
      }
    } finally {
      await context.close();
    }
    expect(found).toEqual({});
  });

  it('axe finds a violation when there is one (the check can fail)', async () => {
    const context = await browser.newContext({ bypassCSP: true });
    try {
      const page = await context.newPage();
      await page.setContent('<!doctype html><html><head><title>t</title></head><body><main><input type="text"></main></body></html>');
      expect((await axeViolations(page)).map((v) => v.id)).toEqual(expect.arrayContaining(['html-has-lang', 'label']));
    } finally {
      await context.close();
    }
  });

  it('searches with JavaScript off, under the real Content-Security-Policy', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const errors: string[] = [];
    try {
      const page = await context.newPage();
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      await page.goto(base + '/');
      await page.fill('#q', 'bygglov');
      await Promise.all([page.waitForURL(/q=bygglov/), page.click('button[type=submit]')]);
      expect(await page.locator('ol.hits li').count()).toBeGreaterThan(0);
      // the stylesheet loads under the CSP (no violation reported)
      expect(await page.evaluate('getComputedStyle(document.body).margin')).toBe('0px');
    } finally {
      await context.close();
    }
    expect(errors).toEqual([]);
  });

  it('answers with a strict CSP, caching headers and 304 for a known ETag', async () => {
    const res = await fetch(base + '/');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('cache-control')).toMatch(/max-age=\d+/);
    const etag = res.headers.get('etag')!;
    const body = await res.text();
    expect(Buffer.byteLength(body)).toBeLessThan(50_000);
    expect(body).not.toMatch(/<script|style=/);
    const again = await fetch(base + '/', { headers: { 'If-None-Match': etag } });
    expect(again.status).toBe(304);
    const file = archive.catalog.db.prepare('SELECT f.id, f.size, f.sha256 FROM access_files f JOIN access_records r ON r.rid = f.rid WHERE r.public_from <= ? LIMIT 1').get(new Date().toISOString().slice(0, 10)) as { id: string; size: number; sha256: string };
    const head = await fetch(`${base}/api/v1/public/files/${file.id}/content`, { method: 'HEAD' });
    expect([head.status, head.headers.get('content-length'), head.headers.get('etag')]).toEqual([200, String(file.size), `"${file.sha256}"`]);
    const download = await fetch(`${base}/api/v1/public/files/${file.id}/content`);
    expect(download.headers.get('content-disposition')).toMatch(/^attachment; filename="/);
    expect(download.headers.get('content-security-policy')).toContain('sandbox');
    expect((await download.arrayBuffer()).byteLength).toBe(file.size);
  });
});

/**
 * The public access routes as one koa Router: the pages in Swedish (`/`) and English (`/en/`), the JSON
 * API under `/api/v1/public`, and downloads of released files. Every read goes through search/public.ts.
 * Access errors are answered here (an HTML page for pages, problem+json for the API) so that a missing
 * record, a withheld file and a guessed id look exactly alike; anything else goes on to the app's error
 * middleware, which hides its detail.
 */
import { Router } from '@koa/router';
import type Koa from 'koa';
import { isBevaraError, type Archive } from '@bevara/storage';
import { ACCESS_ERRORS, type AccessCode } from '../errors.ts';
import { caseJson, recordViewJson, searchJson, API_PREFIX } from '../search/json.ts';
import { caseView, recordView, releasedFile, searchPublic } from '../search/public.ts';
import { PATHS, type Lang } from './i18n.ts';
import { casePage, errorPage, ICON, ICON_SVG, recordPage, searchPage, STYLESHEET, STYLESHEET_CSS, withheldPage } from './pages.ts';
import { searchParams } from './params.ts';
import { etagOf, notModified, securityHeaders, sendCached } from './respond.ts';

export interface AccessRouterOptions {
  archive: Archive;
  /** The clock secrecy is decided against; tests move it to see markings lapse. */
  now?: () => Date;
}

const HTML = 'text/html; charset=utf-8';

export function accessRouter(options: AccessRouterOptions): Router {
  const router = new Router();
  const now = options.now ?? (() => new Date());
  const db = () => options.archive.catalog.db;

  const page = (lang: Lang, render: (ctx: Koa.Context) => string): Koa.Middleware => async (ctx) => {
    try {
      sendCached(ctx, HTML, render(ctx));
    } catch (e) {
      const code = accessCode(e);
      if (code === undefined) throw e;
      sendCached(ctx, HTML, errorPage(lang, code === 'A-004' ? 400 : 404), code === 'A-004' ? 400 : 404);
    }
  };
  const api = (answer: (ctx: Koa.Context) => unknown): Koa.Middleware => async (ctx) => {
    try {
      sendCached(ctx, 'application/json; charset=utf-8', JSON.stringify(answer(ctx)));
    } catch (e) {
      const code = accessCode(e);
      if (code === undefined) throw e;
      problem(ctx, code, (e as Error).message);
    }
  };

  for (const [url, type, body] of [[STYLESHEET, 'text/css; charset=utf-8', STYLESHEET_CSS], [ICON, 'image/svg+xml', ICON_SVG]] as const) {
    router.get(url, (ctx) => {
      securityHeaders(ctx);
      if (notModified(ctx, etagOf(body))) return;
      ctx.type = type;
      ctx.body = body;
    });
  }

  for (const lang of ['sv', 'en'] as const) {
    const p = PATHS[lang];
    router.get(p.home, page(lang, (ctx) => {
      const params = searchParams(ctx, false);
      return searchPage(lang, params, searchPublic(db(), params, now()));
    }));
    router.get(`${p.record}:id`, page(lang, (ctx) => {
      const view = recordView(db(), String(ctx.params['id']), now());
      return view.status === 'public' ? recordPage(lang, view.record, view.case) : withheldPage(lang, view.record);
    }));
    router.get(`${p.case}:id`, page(lang, (ctx) => casePage(lang, caseView(db(), String(ctx.params['id']), now()))));
  }
  router.get('/en', (ctx) => ctx.redirect(PATHS.en.home));

  router.get(`${API_PREFIX}/records`, api((ctx) => searchJson(searchPublic(db(), searchParams(ctx, true), now()))));
  router.get(`${API_PREFIX}/records/:id`, api((ctx) => recordViewJson(recordView(db(), String(ctx.params['id']), now()))));
  router.get(`${API_PREFIX}/cases/:id`, api((ctx) => caseJson(caseView(db(), String(ctx.params['id']), now()))));
  router.get(`${API_PREFIX}/files/:id`, api((ctx) => {
    const { aipId: _a, path: _p, recordId, ...file } = releasedFile(db(), String(ctx.params['id']), now());
    return { ...file, record: `${API_PREFIX}/records/${recordId}`, url: `${API_PREFIX}/files/${file.id}/content` };
  }));
  router.get(`${API_PREFIX}/files/:id/content`, async (ctx) => {
    let file;
    try {
      file = releasedFile(db(), String(ctx.params['id']), now());
    } catch (e) {
      const code = accessCode(e);
      if (code === undefined) throw e;
      return problem(ctx, code, (e as Error).message);
    }
    securityHeaders(ctx);
    // A downloaded file never runs as a page of this site, whatever it contains.
    ctx.set('Content-Security-Policy', "default-src 'none'; sandbox");
    if (notModified(ctx, `"${file.sha256}"`)) return;
    ctx.set('Content-Disposition', contentDisposition(file.name));
    ctx.type = file.mimeType || 'application/octet-stream';
    ctx.length = file.size;
    // HEAD answers the headers only; no stream is opened that nobody would read.
    if (ctx.method === 'HEAD') ctx.status = 200;
    else ctx.body = await options.archive.openFile(file.aipId, file.path);
  });
  return router;
}

function accessCode(e: unknown): AccessCode | undefined {
  return isBevaraError(e) && e.code in ACCESS_ERRORS ? (e.code as AccessCode) : undefined;
}

function problem(ctx: Koa.Context, code: AccessCode, detail: string): void {
  const spec = ACCESS_ERRORS[code];
  securityHeaders(ctx);
  ctx.set('Cache-Control', 'no-store');
  ctx.status = spec.http;
  ctx.type = 'application/problem+json';
  ctx.body = { type: `https://bevara.se/problems/${code}`, title: spec.title, status: spec.http, code, detail };
}

/** An attachment name that is safe in a header: ASCII fallback plus the UTF-8 name (RFC 6266, 8187). */
function contentDisposition(name: string): string {
  const ascii = name.normalize('NFKD').replace(/[^\x20-\x7e]/g, '').replace(/["\\;]/g, '_').trim() || 'file';
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/**
 * Disclosure over HTTP. The public may only file a request (POST /api/v1/public/requests, rate-limited)
 * and gets its reference number and nothing else. Everything else is for archivists, behind their tokens
 * (tokens.ts): list, register, review (show), decide, and download the DIP. Disclosure and access errors
 * are answered here as problem+json, so their codes reach the client whatever the app's tables know.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Router } from '@koa/router';
import type Koa from 'koa';
import { isBevaraError, type Archive } from '@bevara/storage';
import { ACCESS_ERRORS } from '../errors.ts';
import { html } from '../routes/html.ts';
import { securityHeaders } from '../routes/respond.ts';
import { optionalString, readBody, stringList, type Fields } from './body.ts';
import { decideRequest } from './decide.ts';
import { buildDip } from './dip.ts';
import { DISCLOSURE_ERRORS, DisclosureError } from './errors.ts';
import { RateLimit } from './rate-limit.ts';
import { registerRequest } from './request.ts';
import { requestView } from './review.ts';
import { listRequests, readRequest } from './state.ts';
import { authenticateArchivist } from './tokens.ts';

export const PUBLIC_REQUESTS = '/api/v1/public/requests';
export const ARCHIVIST_PREFIX = '/api/v1/disclosure';

export interface DisclosureRouterOptions {
  archive: Archive;
  /** Public requests per client address and window (default 5 per 10 minutes). */
  rateLimit?: { limit: number; windowMs: number };
}

export function disclosureRouter(options: DisclosureRouterOptions): Router {
  const { archive } = options;
  const router = new Router();
  const limit = new RateLimit(options.rateLimit?.limit ?? 5, options.rateLimit?.windowMs ?? 10 * 60_000);

  router.post(PUBLIC_REQUESTS, answering(async (ctx) => {
    const wait = limit.take(ctx.ip);
    if (wait > 0) {
      ctx.set('Retry-After', String(wait));
      throw new DisclosureError('A-106', `too many requests from this address; try again in ${wait} s`, {});
    }
    const body = await readBody(ctx);
    const v = (body.value ?? {}) as Fields & Record<string, unknown>;
    const request = await registerRequest(archive, {
      records: [...stringList(v['records'], 'records'), ...stringList(v['record'], 'record')],
      channel: 'public',
      by: 'public',
      ...optional('name', optionalString(v['name'], 'name')),
      ...optional('contact', optionalString(v['contact'] ?? v['email'], 'contact')),
      ...optional('message', optionalString(v['message'], 'message')),
    });
    ctx.status = 201;
    ctx.set('Cache-Control', 'no-store');
    securityHeaders(ctx);
    if (body.kind === 'form') {
      ctx.type = 'text/html; charset=utf-8';
      const sv = v['lang'] !== 'en';
      ctx.body = '<!doctype html>\n' + html`<html lang="${sv ? 'sv' : 'en'}"><head><meta charset="utf-8"><title>${sv ? 'Begäran mottagen' : 'Request received'}</title><link rel="stylesheet" href="/static/bevara.css"></head>
<body><main><h1>${sv ? 'Begäran mottagen' : 'Request received'}</h1><p>${sv ? 'Referensnummer' : 'Reference number'}: <strong>${request.reference}</strong></p></main></body></html>`.toString();
    } else ctx.body = { reference: request.reference };
  }));

  const archivist = (handler: (ctx: Koa.Context, who: string) => Promise<void>): Koa.Middleware =>
    answering(async (ctx) => {
      const who = authenticateArchivist(archive, ctx.get('Authorization') || undefined);
      ctx.set('Cache-Control', 'no-store');
      await handler(ctx, who);
    });

  router.get(`${ARCHIVIST_PREFIX}/requests`, archivist(async (ctx) => {
    ctx.body = { requests: listRequests(archive).map(summaryOf) };
  }));
  router.post(`${ARCHIVIST_PREFIX}/requests`, archivist(async (ctx, who) => {
    const v = ((await readBody(ctx)).value ?? {}) as Record<string, unknown>;
    const request = await registerRequest(archive, {
      records: stringList(v['records'], 'records'),
      channel: 'archivist',
      by: who,
      ...optional('name', optionalString(v['name'], 'name')),
      ...optional('contact', optionalString(v['contact'], 'contact')),
      ...optional('message', optionalString(v['message'], 'message')),
    });
    ctx.status = 201;
    ctx.body = { reference: request.reference };
  }));
  router.get(`${ARCHIVIST_PREFIX}/requests/:ref`, archivist(async (ctx, who) => {
    ctx.body = await reviewRequest(archive, String(ctx.params['ref']), who);
  }));
  router.post(`${ARCHIVIST_PREFIX}/requests/:ref/decision`, archivist(async (ctx, who) => {
    const v = ((await readBody(ctx)).value ?? {}) as Record<string, unknown>;
    const outcome = await decideRequest(archive, {
      reference: String(ctx.params['ref']),
      release: stringList(v['release'], 'release'),
      mask: stringList(v['mask'], 'mask'),
      refuse: stringList(v['refuse'], 'refuse'),
      ...optional('ground', optionalString(v['ground'], 'ground')),
      ...optional('reasons', optionalString(v['reasons'], 'reasons')),
      by: who,
    });
    ctx.status = 201;
    ctx.body = { reference: outcome.reference, versions: outcome.versions, decision: outcome.decision };
  }));
  router.get(`${ARCHIVIST_PREFIX}/requests/:ref/dip`, archivist(async (ctx, who) => {
    const ref = String(ctx.params['ref']);
    readRequest(archive, ref);
    const file = path.join(archive.paths.staging, `dip-${ref}-${process.pid}-${Date.now()}.zip`);
    const result = await buildDip(archive, ref, file, who);
    // The zip leaves staging before it is sent: the open descriptor keeps its bytes until the response ends, and
    // nothing stays behind when the client goes away or the process stops mid-send.
    const fd = fs.openSync(file, 'r');
    fs.rmSync(file, { force: true });
    ctx.type = 'application/zip';
    ctx.set('Content-Disposition', `attachment; filename="DIP-${ref}.zip"`);
    ctx.set('Digest', `sha-256=${Buffer.from(result.sha256, 'hex').toString('base64')}`);
    ctx.length = fs.fstatSync(fd).size;
    ctx.body = fs.createReadStream('', { fd });
  }));
  return router;
}

/** `show`: the review view, and an audit-log entry saying who looked at the request. */
export async function reviewRequest(archive: Archive, reference: string, by: string) {
  const view = requestView(archive.catalog.db, readRequest(archive, reference));
  await archive.record({ type: 'disclosure.reviewed', subject: reference, actor: by, data: { records: view.records.length } });
  return view;
}

export function summaryOf(r: ReturnType<typeof listRequests>[number]) {
  return { reference: r.reference, receivedAt: r.receivedAt, channel: r.channel, status: r.status, records: r.records.map((x) => x.objectId), ...(r.decision ? { decidedAt: r.decision.decidedAt } : {}) };
}

const optional = <K extends string>(key: K, value: string | undefined): { [P in K]?: string } => (value === undefined ? {} : ({ [key]: value } as { [P in K]?: string }));

/** Runs a handler; disclosure and access failures become problem+json with their own codes. */
function answering(handler: (ctx: Koa.Context) => Promise<void>): Koa.Middleware {
  return async (ctx) => {
    try {
      await handler(ctx);
    } catch (e) {
      if (!isBevaraError(e)) throw e;
      const spec = (DISCLOSURE_ERRORS as Record<string, { title: string; http: number }>)[e.code] ?? (ACCESS_ERRORS as Record<string, { title: string; http: number }>)[e.code];
      if (!spec || spec.http >= 500) throw e;
      securityHeaders(ctx);
      ctx.set('Cache-Control', 'no-store');
      ctx.status = spec.http;
      ctx.type = 'application/problem+json';
      ctx.body = { type: `https://bevara.se/problems/${e.code}`, title: spec.title, status: spec.http, code: e.code, detail: e.message };
    }
  };
}

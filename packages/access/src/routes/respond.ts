/**
 * Shared response habits of the public routes: security headers on every answer, short public caching
 * with an ETag over the exact body (a secrecy decision must reach readers within a minute), and 304 for a
 * matching If-None-Match.
 */
import { createHash } from 'node:crypto';
import type Koa from 'koa';

/** No script, no inline style, nothing from elsewhere; forms only to this site. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
export const MAX_AGE_SECONDS = 60;

export function securityHeaders(ctx: Koa.Context): void {
  ctx.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.set('X-Frame-Options', 'DENY');
}

export function etagOf(body: string | Buffer): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
}

/** True (and the response set to 304) when the client already holds this version. */
export function notModified(ctx: Koa.Context, etag: string): boolean {
  ctx.set('ETag', etag);
  ctx.set('Cache-Control', `public, max-age=${MAX_AGE_SECONDS}`);
  const held = ctx.get('If-None-Match');
  if (held && held.split(',').some((t) => t.trim() === etag || t.trim() === `W/${etag}`)) {
    ctx.status = 304;
    ctx.body = null;
    return true;
  }
  return false;
}

export function sendCached(ctx: Koa.Context, type: string, body: string, status = 200): void {
  securityHeaders(ctx);
  if (status === 200 && notModified(ctx, etagOf(body))) return;
  if (status !== 200) ctx.set('Cache-Control', 'no-store');
  ctx.status = status;
  ctx.type = type;
  ctx.body = body;
}

import type Koa from 'koa';
import { BevaraError } from '@bevara/storage';
import { specFor } from '../exit-codes.ts';

/**
 * The one error path of the HTTP server: every throw becomes an RFC 9457 problem document
 * (`application/problem+json`) with the stable code of the error tables. Details of 5xx errors stay
 * in the log, never in the response; unknown throws are wrapped as C-003.
 */
export function problemJson(log: (entry: Record<string, unknown>) => void): Koa.Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new BevaraError('C-005', `no route for ${ctx.method} ${ctx.path}`);
      }
    } catch (e) {
      const error = e instanceof BevaraError ? e : new BevaraError('C-003', 'internal error', {}, { cause: e });
      const spec = specFor(error.code);
      const status = spec?.http ?? 500;
      if (status >= 500) log({ level: 'error', msg: 'request failed', code: error.code, err: String((e as Error)?.stack ?? e), path: ctx.path });
      ctx.status = status;
      ctx.type = 'application/problem+json';
      ctx.body = {
        type: `https://bevara.se/problems/${error.code}`,
        title: spec?.title ?? 'error',
        status,
        code: error.code,
        ...(status < 500 ? { detail: error.message, ...(Object.keys(error.detail).length ? { context: error.detail } : {}) } : {}),
      };
      if (spec?.retry) ctx.set('Retry-After', '5');
    }
  };
}

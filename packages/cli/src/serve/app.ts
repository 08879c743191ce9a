/**
 * The one place the HTTP application is composed: the problem+json error middleware, /healthz, the OpenAPI
 * document, and the routers the other packages export (ingest's submissions; access's when it exists).
 */
import Koa from 'koa';
import { accessRouter, disclosureRouter, type AccessRouterOptions } from '@bevara/access';
import { submissionRouter, type SubmissionService } from '@bevara/ingest';
import { OPENAPI } from './openapi.ts';
import { problemJson } from './problem.ts';

export interface AppOptions {
  submissions: SubmissionService;
  /** The public pages and /api/v1/public (search, records, cases, downloads). */
  access?: AccessRouterOptions;
  log: (entry: Record<string, unknown>) => void;
  /** GET /metrics (serve/operations.ts); absent in tests of the API alone. */
  metrics?: Koa.Middleware;
}

export function createApp(options: AppOptions): Koa {
  const app = new Koa();
  app.use(problemJson(options.log));
  app.use(async (ctx, next) => {
    if (ctx.method === 'GET' && ctx.path === '/healthz') { ctx.body = { status: 'ok' }; return; }
    if (ctx.method === 'GET' && ctx.path === '/api/v1/openapi.json') { ctx.body = OPENAPI; return; }
    await next();
  });
  if (options.metrics) app.use(options.metrics);
  const submissions = submissionRouter(options.submissions);
  app.use(submissions.routes());
  app.use(submissions.allowedMethods());
  if (options.access) {
    app.use(accessRouter(options.access).routes());
    // requests for disclosure: the public form's POST, and the archivists' routes behind their tokens
    app.use(disclosureRouter({ archive: options.access.archive }).routes());
  }
  // Errors are rendered by problemJson; koa's default handler would only log them twice.
  app.silent = true;
  return app;
}

/**
 * The submission API for business systems, as a koa Router the serve command mounts:
 * POST /api/v1/submissions (the package as the body), GET /api/v1/submissions/{id} and the signed receipt files.
 * Errors are thrown as IngestError; the server's one problem+json middleware renders them.
 */
import { Router } from '@koa/router';
import type Koa from 'koa';
import { IngestError } from '../errors.ts';
import type { Submitter } from './agreements.ts';
import type { SubmissionService } from './service.ts';

export const SUBMISSIONS_PATH = '/api/v1/submissions';

const RECEIPT_FILES: Record<string, { type: string; pick: 'xml' | 'xmlSignature' | 'json' | 'jsonSignature' }> = {
  'receipt.xml': { type: 'application/xml', pick: 'xml' },
  'receipt.xml.p7s': { type: 'application/pkcs7-signature', pick: 'xmlSignature' },
  'receipt.json': { type: 'application/json', pick: 'json' },
  'receipt.json.p7s': { type: 'application/pkcs7-signature', pick: 'jsonSignature' },
};

export function submissionRouter(service: SubmissionService): Router {
  const router = new Router({ prefix: SUBMISSIONS_PATH });

  router.post('/', async (ctx) => {
    const submitter = authenticate(service, ctx);
    const asked = ctx.get('Bevara-Agreement');
    if (asked && asked !== submitter.agreement.id) {
      throw new IngestError('I-019', `the token is for agreement ${submitter.agreement.id}, not ${asked}`, { agreement: asked });
    }
    const deliveryId = ctx.get('Bevara-Delivery-Id') || undefined;
    if (deliveryId !== undefined && deliveryId.length > 200) throw new IngestError('I-025', 'Bevara-Delivery-Id is longer than 200 characters', {});
    const { code, view } = await service.accept(ctx.req, submitter, deliveryId);
    ctx.status = code;
    ctx.set('Location', `${SUBMISSIONS_PATH}/${view.id}`);
    ctx.body = code === 202 ? { id: view.id, status: view.status } : view;
  });

  router.get('/:id', async (ctx) => {
    const submitter = authenticate(service, ctx);
    const view = service.view(ctx.params['id'] ?? '', submitter);
    if (!view) throw new IngestError('I-023', 'no such submission for this token', { id: ctx.params['id'] ?? '' });
    ctx.body = view;
  });

  router.get('/:id/:file', async (ctx) => {
    const submitter = authenticate(service, ctx);
    const id = ctx.params['id'] ?? '';
    const spec = RECEIPT_FILES[ctx.params['file'] ?? ''];
    const signed = spec && service.view(id, submitter) ? service.ledger.receipt(id) : undefined;
    if (!spec || !signed) throw new IngestError('I-023', 'no such receipt for this token', { id });
    ctx.type = spec.type;
    ctx.body = signed[spec.pick];
  });

  return router;
}

function authenticate(service: SubmissionService, ctx: Koa.Context): Submitter {
  const header = ctx.get('Authorization');
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  return service.registry.authenticate(m?.[1]);
}

/**
 * The OpenAPI 3.1 description of the HTTP API, served at /api/v1/openapi.json. A test sends real requests and
 * checks each response against the schema named here, so document and behaviour cannot drift.
 */
import { DISCLOSURE_OPENAPI_PATHS, DISCLOSURE_OPENAPI_SCHEMAS, PUBLIC_OPENAPI_PATHS, PUBLIC_OPENAPI_SCHEMAS } from '@bevara/access';

const problem = {
  type: 'object',
  required: ['type', 'title', 'status', 'code'],
  properties: {
    type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' },
    code: { type: 'string', pattern: '^[A-Z]-[0-9A-Z]+$' }, detail: { type: 'string' }, context: { type: 'object' },
  },
};
const problemResponse = (description: string) => ({ description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } });
const status = { enum: ['received', 'validating', 'archiving', 'archived', 'rejected', 'failed'] };

export const OPENAPI = {
  openapi: '3.1.0',
  info: { title: 'Bevara submission API', version: '1.0.0', description: 'Business systems submit packages (zip or tar) and get a signed receipt.' },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    schemas: {
      Problem: problem,
      Accepted: { type: 'object', required: ['id', 'status'], additionalProperties: false, properties: { id: { type: 'string', format: 'uuid' }, status } },
      Submission: {
        type: 'object', required: ['id', 'status'], additionalProperties: false,
        properties: {
          id: { type: 'string', format: 'uuid' }, status,
          report: { type: 'object', required: ['package', 'profile', 'valid', 'results'] },
          receipt: { $ref: 'https://bevara.se/schemas/receipt.schema.json' },
          error: {
            description: 'why a failed submission was not decided; retry: sending the package again may succeed',
            type: 'object', required: ['code', 'message', 'retry'], additionalProperties: false,
            properties: { code: { type: 'string' }, message: { type: 'string' }, retry: { type: 'boolean' } },
          },
        },
      },
      Health: { type: 'object', required: ['status'], properties: { status: { const: 'ok' } } },
      ...PUBLIC_OPENAPI_SCHEMAS,
      ...DISCLOSURE_OPENAPI_SCHEMAS,
    },
  },
  security: [{ bearer: [] }],
  paths: {
    ...PUBLIC_OPENAPI_PATHS,
    ...DISCLOSURE_OPENAPI_PATHS,
    '/healthz': { get: { security: [], responses: { '200': { description: 'alive', content: { 'application/json': { schema: { $ref: '#/components/schemas/Health' } } } } } } },
    '/api/v1/submissions': {
      post: {
        summary: 'submit a package (the body is the zip or tar file, streamed)',
        parameters: [
          { name: 'Bevara-Delivery-Id', in: 'header', schema: { type: 'string', maxLength: 200 } },
          { name: 'Bevara-Agreement', in: 'header', description: 'refused with I-019 unless it is the token\'s agreement', schema: { type: 'string' } },
        ],
        requestBody: { required: true, content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
        responses: {
          '202': { description: 'received; ingest runs in the background', headers: { Location: { schema: { type: 'string' } } }, content: { 'application/json': { schema: { $ref: '#/components/schemas/Accepted' } } } },
          '200': { description: 'the same package (OBJID and SHA-256) was decided before: that submission', content: { 'application/json': { schema: { $ref: '#/components/schemas/Submission' } } } },
          '400': problemResponse('upload cut off or too slow (I-021), bad input (I-025)'),
          '401': problemResponse('no or unknown token (I-018)'),
          '403': problemResponse('token for another agreement (I-019), or the package cites another submission agreement (I-027)'),
          '413': problemResponse('body over the size limit (I-020)'),
          '503': problemResponse('too many submissions in progress (I-022)'),
          '507': problemResponse('no space left in the archive\'s staging folder for the upload (S-025); send it again later'),
        },
      },
    },
    '/api/v1/submissions/{id}': {
      get: {
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          '200': { description: 'the submission', content: { 'application/json': { schema: { $ref: '#/components/schemas/Submission' } } } },
          '401': problemResponse('no or unknown token (I-018)'),
          '404': problemResponse('no such submission for this token (I-023)'),
        },
      },
    },
    '/api/v1/submissions/{id}/{file}': {
      get: {
        parameters: [
          { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
          { name: 'file', in: 'path', required: true, schema: { enum: ['receipt.xml', 'receipt.xml.p7s', 'receipt.json', 'receipt.json.p7s'] } },
        ],
        responses: {
          '200': { description: 'the receipt or its detached CMS signature (DER)', content: { 'application/xml': {}, 'application/json': {}, 'application/pkcs7-signature': {} } },
          '404': problemResponse('no such receipt (I-023)'),
        },
      },
    },
  },
} as const;

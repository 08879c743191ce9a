/**
 * The public API's part of the OpenAPI 3.1 document (the serve app merges it into /api/v1/openapi.json).
 * No security: these routes answer anyone, and only with what is public.
 */
import { COUNT_CAP } from '../search/public.ts';

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } });
const json = (description: string, ref: string) => ({
  description,
  headers: { ETag: { schema: { type: 'string' } }, 'Cache-Control': { schema: { type: 'string' } } },
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } },
});
const idParam = (prefix: string) => ({ name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: `^${prefix}[0-9a-f]{20}$` } });
const nullableString = { type: ['string', 'null'] };

const file = {
  type: 'object', required: ['id', 'name', 'mimeType', 'size', 'sha256', 'url'], additionalProperties: false,
  properties: { id: { type: 'string' }, name: { type: 'string' }, mimeType: { type: 'string' }, size: { type: 'integer' }, sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' }, url: { type: 'string' } },
};
const record = {
  type: 'object', required: ['id', 'objectId', 'diarienummer', 'title', 'recordType', 'date', 'organisation', 'status', 'url', 'case', 'files'], additionalProperties: false,
  properties: {
    id: { type: 'string' }, objectId: { type: 'string' }, diarienummer: { type: 'string' }, title: nullableString, recordType: nullableString,
    date: nullableString, organisation: nullableString, status: { const: 'public' }, url: { type: 'string' }, case: { type: 'string' },
    files: { type: 'array', items: { $ref: '#/components/schemas/PublicFile' } }, snippet: nullableString,
  },
};
const withheld = {
  type: 'object', required: ['id', 'objectId', 'diarienummer', 'date', 'status', 'registrationWithheld', 'url', 'case', 'request'], additionalProperties: false,
  description: 'a withheld record; objectId, diarienummer, date and case are null while a marking withholds its registration details too',
  properties: {
    id: { type: 'string' }, objectId: nullableString, diarienummer: nullableString, date: nullableString, status: { const: 'withheld' },
    registrationWithheld: { type: 'boolean' }, url: { type: 'string' }, case: nullableString, request: { type: 'string' },
  },
};
const facet = { type: 'array', items: { type: 'object', required: ['value', 'count'], properties: { value: { type: 'string' }, count: { type: 'integer' } } } };

export const PUBLIC_OPENAPI_SCHEMAS = {
  PublicFile: file,
  PublicRecord: record,
  WithheldRecord: withheld,
  PublicSearch: {
    type: 'object', required: ['records', 'next', 'total', 'totalRelation', 'facets'], additionalProperties: false,
    description: `records newest first; the total and the facets count at most ${COUNT_CAP} hits, the newest`,
    properties: {
      records: { type: 'array', items: { $ref: '#/components/schemas/PublicRecord' } },
      next: { type: ['string', 'null'], description: 'cursor of the next page; null on the last' },
      total: { type: 'integer', maximum: COUNT_CAP, description: `matching released records; when totalRelation is "gte", there are more than ${COUNT_CAP} and total is ${COUNT_CAP}` },
      totalRelation: { enum: ['eq', 'gte'], description: '"eq": total is exact; "gte": there are more matches than total' },
      facets: {
        type: 'object', required: ['organisation', 'year', 'kind'], properties: { organisation: facet, year: facet, kind: facet },
        description: `counts over the hits the total counts: all of them, or the newest ${COUNT_CAP} when totalRelation is "gte"`,
      },
    },
  },
  PublicCase: {
    type: 'object', required: ['id', 'diarienummer', 'title', 'organisation', 'openedAt', 'closedAt', 'status', 'url', 'records'],
    properties: {
      id: { type: 'string' }, diarienummer: { ...nullableString, description: 'null while a marking on the case withholds its registration details' }, title: nullableString, organisation: nullableString, openedAt: nullableString,
      closedAt: nullableString, status: { enum: ['public', 'withheld'] }, url: { type: 'string' }, records: { type: 'array', items: { type: 'object', required: ['id', 'objectId', 'status', 'url', 'api'] } },
    },
  },
  PublicFileInfo: {
    type: 'object', required: ['id', 'name', 'mimeType', 'size', 'sha256', 'record', 'url'],
    properties: { id: { type: 'string' }, name: { type: 'string' }, mimeType: { type: 'string' }, size: { type: 'integer' }, sha256: { type: 'string' }, record: { type: 'string' }, url: { type: 'string' } },
  },
} as const;

export const PUBLIC_OPENAPI_PATHS = {
  '/api/v1/public/records': {
    get: {
      security: [],
      summary: 'search released records (metadata and document text); withheld records never appear',
      parameters: [
        { name: 'q', in: 'query', schema: { type: 'string', maxLength: 500 }, description: 'words, prefixes and diarienummer; all must match' },
        { name: 'organisation', in: 'query', schema: { type: 'string' } },
        { name: 'year', in: 'query', schema: { type: 'integer' } },
        { name: 'kind', in: 'query', schema: { type: 'string' } },
        { name: 'cursor', in: 'query', schema: { type: 'string' }, description: 'the `next` of the previous page' },
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
      ],
      responses: { '200': json('matching released records', 'PublicSearch'), '304': { description: 'not modified (If-None-Match)' }, '400': problem('invalid query, filter or cursor (A-004)') },
    },
  },
  '/api/v1/public/records/{id}': {
    get: {
      security: [],
      parameters: [idParam('r')],
      responses: {
        '200': { description: 'a released record, or only the fact that a withheld one exists', content: { 'application/json': { schema: { oneOf: [{ $ref: '#/components/schemas/PublicRecord' }, { $ref: '#/components/schemas/WithheldRecord' }] } } } },
        '304': { description: 'not modified' },
        '404': problem('no such record (A-001)'),
      },
    },
  },
  '/api/v1/public/cases/{id}': {
    get: { security: [], parameters: [idParam('c')], responses: { '200': json('a case and its records (withheld ones only as existing)', 'PublicCase'), '304': { description: 'not modified' }, '404': problem('no such case (A-002)') } },
  },
  '/api/v1/public/files/{id}': {
    get: { security: [], parameters: [idParam('f')], responses: { '200': json('a released file', 'PublicFileInfo'), '304': { description: 'not modified' }, '404': problem('no such released file (A-003)') } },
  },
  '/api/v1/public/files/{id}/content': {
    get: {
      security: [],
      parameters: [idParam('f')],
      responses: {
        '200': { description: 'the file as an attachment; ETag is its SHA-256', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
        '304': { description: 'not modified' },
        '404': problem('no such released file (A-003): a file of a withheld record answers exactly the same'),
      },
    },
  },
} as const;

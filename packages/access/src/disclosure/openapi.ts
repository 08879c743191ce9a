/**
 * The disclosure part of the OpenAPI 3.1 document: the public request route (no security) and the
 * archivist routes (bearer: an archivist token; none, or a submitter's, is refused with ).
 */
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } });
const ok = (description: string, schema: object, type = 'application/json') => ({ description, content: { [type]: { schema } } });
const refParam = { name: 'ref', in: 'path', required: true, schema: { type: 'string', pattern: '^U-\\d{4}-\\d{4,6}$' } };
const refused = {
  '401': problem('no archivist token (A-104)'),
  '403': problem('the token is not an archivist\'s: a submitter\'s or unknown (A-105)'),
};
const strings = { type: 'array', items: { type: 'string' } };

export const DISCLOSURE_OPENAPI_SCHEMAS = {
  DisclosureReference: { type: 'object', required: ['reference'], additionalProperties: false, properties: { reference: { type: 'string' } } },
  DisclosureRequestInput: {
    type: 'object', required: ['records'],
    properties: {
      records: { ...strings, minItems: 1, maxItems: 100, description: 'record ids (r…) or ERMS object ids ("SN 2022/0187-1")' },
      name: { type: 'string', maxLength: 200 }, contact: { type: 'string', maxLength: 254 }, message: { type: 'string', maxLength: 4000 },
    },
  },
  DisclosureDecisionInput: {
    type: 'object',
    properties: {
      release: { ...strings, description: 'file ids (f…) or paths in the package' },
      mask: { ...strings, description: '"DOC:page 2", "DOC:pages 1-3,5" or "DOC:title"; "=OSL 26 kap. 1 §" at the end overrides ground' },
      refuse: { ...strings, description: 'DOC, or DOC=GROUND' },
      ground: { type: 'string', description: 'the provision of every withholding that names none, e.g. "OSL 26 kap. 1 §"' },
      reasons: { type: 'string' },
    },
  },
};

export const DISCLOSURE_OPENAPI_PATHS = {
  '/api/v1/public/requests': {
    post: {
      summary: 'ask to see records (begäran om utlämnande); answered with a reference number only; rate-limited per address',
      security: [],
      requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/DisclosureRequestInput' } }, 'application/x-www-form-urlencoded': { schema: { type: 'object', properties: { record: strings, name: { type: 'string' }, email: { type: 'string' }, message: { type: 'string' } } } } } },
      responses: {
        '201': { description: 'registered', content: { 'application/json': { schema: { $ref: '#/components/schemas/DisclosureReference' } }, 'text/html': {} } },
        '400': problem('bad input (A-101)'),
        '404': problem('no such record (A-001)'),
        '409': problem('an object id naming several records (A-006)'),
        '429': problem('too many requests from this address (A-106)'),
      },
    },
  },
  '/api/v1/disclosure/requests': {
    get: { summary: 'every request, oldest first', responses: { '200': ok('the requests', { type: 'object', required: ['requests'], properties: { requests: { type: 'array' } } }), ...refused } },
    post: {
      summary: 'register a request on someone\'s behalf',
      requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/DisclosureRequestInput' } } } },
      responses: { '201': ok('registered', { $ref: '#/components/schemas/DisclosureReference' }), '400': problem('bad input (A-101)'), '404': problem('no such record (A-001)'), ...refused },
    },
  },
  '/api/v1/disclosure/requests/{ref}': {
    get: {
      summary: 'review a request: its records, their markings and provisions, and what the secrecy table says (an audit-log entry)',
      parameters: [refParam],
      responses: { '200': ok('the request', { type: 'object', required: ['reference', 'records', 'status'] }), '404': problem('no such request (A-102)'), ...refused },
    },
  },
  '/api/v1/disclosure/requests/{ref}/decision': {
    post: {
      summary: 'decide: every document released, masked or refused; kept as a new version of each AIP concerned',
      parameters: [refParam],
      requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/DisclosureDecisionInput' } } } },
      responses: {
        '201': ok('decided', { type: 'object', required: ['reference', 'versions', 'decision'] }),
        '400': problem('an undecided document, an unreadable ground or part (A-103)'),
        '404': problem('no such request (A-102)'),
        '409': problem('decided already (A-110)'),
        '422': problem('pages of a file that is not a PDF, or beyond its last page (A-109)'),
        ...refused,
      },
    },
  },
  '/api/v1/disclosure/requests/{ref}/dip': {
    get: {
      summary: 'the DIP (E-ARK, zip) of what the decision released (an audit-log entry)',
      parameters: [refParam],
      responses: { '200': ok('the DIP', { type: 'string', format: 'binary' }, 'application/zip'), '404': problem('no such request (A-102)'), '409': problem('not decided yet (A-107)'), ...refused },
    },
  },
};

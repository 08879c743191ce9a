// The public API of @bevara/access. Named exports only; other packages import nothing else.
export { ACCESS_ERRORS, AccessError } from './errors.ts';
export type { AccessCode } from './errors.ts';

export { assessSecrecy } from './secrecy/assess.ts';
export type { Assessment, Marking, MarkingAssessment, MarkingState } from './secrecy/assess.ts';
export { parseCitation, formatCitation } from './secrecy/citation.ts';
export type { Citation } from './secrecy/citation.ts';
export { defaultProvisions, findProvision } from './secrecy/provisions.ts';
export type { Provision, ProvisionTable } from './secrecy/provisions.ts';

export { accessCatalog, ALWAYS_PUBLIC, NEVER } from './catalog/extension.ts';
export { DECISIONS_PATH } from './catalog/decisions.ts';
export { unsearchableDocuments } from './catalog/unsearchable.ts';
export type { UnsearchableDocument, UnsearchableReason } from './catalog/unsearchable.ts';
export type { SecrecyDecision } from './catalog/decisions.ts';

export { searchPublic, recordView, caseView, releasedFile, todayOf, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './search/public.ts';
export type { SearchParams, SearchResult, SearchHit, PublicRecord, PublicFile, WithheldRecord, RecordView, CaseView, CaseHeading, FacetValue, FileLocation } from './search/public.ts';

export { accessRouter } from './routes/router.ts';
export type { AccessRouterOptions } from './routes/router.ts';
export { API_PREFIX, searchJson, recordJson, recordViewJson, caseJson } from './search/json.ts';
export type { SearchJson, RecordJson, WithheldJson, FileJson } from './search/json.ts';
export { PUBLIC_OPENAPI_PATHS, PUBLIC_OPENAPI_SCHEMAS } from './routes/openapi.ts';
export { decideSecrecy, findRecord } from './secrecy/decide.ts';
export type { DecisionInput, DecisionOutcome, RecordRef } from './secrecy/decide.ts';
export { secrecyDue } from './secrecy/due.ts';
export type { DueRecord } from './secrecy/due.ts';

export { registerRequest } from './disclosure/request.ts';
export type { RequestInput } from './disclosure/request.ts';
export { listRequests, readRequest } from './disclosure/state.ts';
export type { DisclosureRequest, RequestedRecord } from './disclosure/state.ts';
export { requestView } from './disclosure/review.ts';
export type { RequestView, ReviewRecord, ReviewDocument, ReviewMarking } from './disclosure/review.ts';
export { decideRequest } from './disclosure/decide.ts';
export type { DecideInput, DecideOutcome } from './disclosure/decide.ts';
export type { DisclosureDecision, DocumentOutcome, WithheldPart } from './disclosure/model.ts';
export { buildDip } from './disclosure/dip.ts';
export type { DipResult } from './disclosure/dip.ts';
export { createArchivistToken, authenticateArchivist } from './disclosure/tokens.ts';
export { disclosureRouter, reviewRequest, summaryOf, PUBLIC_REQUESTS, ARCHIVIST_PREFIX } from './disclosure/router.ts';
export type { DisclosureRouterOptions } from './disclosure/router.ts';
export { DISCLOSURE_OPENAPI_PATHS, DISCLOSURE_OPENAPI_SCHEMAS } from './disclosure/openapi.ts';
export { DISCLOSURE_ERRORS, DisclosureError } from './disclosure/errors.ts';
export type { DisclosureCode } from './disclosure/errors.ts';

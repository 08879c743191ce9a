// The public API of @bevara/ingest. Named exports only; other packages import nothing else.
export { INGEST_ERRORS, IngestError } from './errors.ts';
export type { IngestCode } from './errors.ts';

export { validatePackage } from './validate.ts';
export type { SubmissionAgreement, ValidateOptions } from './validate.ts';
export { formatReportText } from './report/text.ts';
export type { Level, Location, Result, Status, ValidationReport } from './report/types.ts';
export { openPackage } from './sip/open.ts';
export type { PackageEntry, PackageView, ReadLimits } from './sip/types.ts';

export { ingestPackage, aipIdFor, RECEIPTS_DIR } from './pipeline/ingest.ts';
export type { Agreement, IngestOptions, IngestResult } from './pipeline/types.ts';
export { SubmissionLedger } from './pipeline/ledger.ts';
export type { SubmissionState, SubmissionStatus } from './pipeline/ledger.ts';

export { ermsCatalog, casesOf, secrecyOf, documentsOf } from './erms-catalog/extension.ts';
export type { CatalogCase, CatalogSecrecy } from './erms-catalog/extension.ts';
export type { ErmsCase, ErmsRecord, SecrecyMarking } from './erms-catalog/parse.ts';

export { signReceipt, receiptXml, RECEIPT_NS, RECEIPT_FORMAT } from './submission/receipt.ts';
export type { Receipt, ReceiptFile, SignedReceipt } from './submission/receipt.ts';
export { SubmissionRegistry, DEFAULT_AGREEMENT, agreementRefusal } from './submission/agreements.ts';
export type { Submitter, TokenRecord } from './submission/agreements.ts';
export { SubmissionService, DEFAULT_SUBMISSION_LIMITS } from './submission/service.ts';
export type { SubmissionLimits, SubmissionView } from './submission/service.ts';
export { submissionRouter, SUBMISSIONS_PATH } from './submission/router.ts';
export { DropFolder } from './submission/drop-folder.ts';
export type { DropFolderOptions, DropOutcome } from './submission/drop-folder.ts';

export { FORMAT_ERRORS } from './formats/errors.ts';
export { GENERATOR_ERRORS } from './generator/errors.ts';
export { generatePackage } from './generator/generate.ts';
export { writeFolder, writeZip, writeTar } from './generator/writers.ts';
export { writeHostile, HOSTILE_KINDS } from './generator/hostile.ts';
export type { HostileKind } from './generator/hostile.ts';
export type { GenerateOptions, PackageSpec, PackageTruth, Profile } from './generator/types.ts';

/**
 * From submitted package to AIP: validate, then store every file once (hashing and identifying it on the way),
 * with the package's own METS and metadata kept under `submission/`, PREMIS events for receipt, validation,
 * format identification, message digest calculation and ingest, and a signed receipt inside the same version.
 * A rejected package leaves no AIP: its receipt goes to the archive folder's submission state. The same package
 * (OBJID and SHA-256) again returns the first decision.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { BevaraError, type Archive, type PremisAgent, type PremisEvent } from '@bevara/storage';
import { INGEST_ERRORS, IngestError } from '../errors.ts';
import { DEFAULT_FORMAT_POLICY } from '../formats/policy.ts';
import type { Result, ValidationReport } from '../report/types.ts';
import { FORMAT_RULE } from '../rules/formats.ts';
import { openPackage } from '../sip/open.ts';
import type { PackageView } from '../sip/types.ts';
import { agreementRefusal, SubmissionRegistry } from '../submission/agreements.ts';
import { signReceipt, RECEIPT_FORMAT, type Receipt, type SignedReceipt } from '../submission/receipt.ts';
import { validatePackage } from '../validate.ts';
import { packageFiles, SUBMISSION_DIR, type StoredFile } from './aip-files.ts';
import { SubmissionLedger, type SubmissionState } from './ledger.ts';
import { fileSha256, packageSha256 } from './package-digest.ts';
import { probePackage, type PackageFacts } from './probe.ts';
import type { IngestOptions, IngestResult } from './types.ts';

/** Where receipts and the validation report live inside an AIP, one set per version. */
export const RECEIPTS_DIR = 'metadata/submission';

export async function ingestPackage(archive: Archive, packagePath: string, options: IngestOptions): Promise<IngestResult> {
  const ledger = SubmissionLedger.open(archive.paths.dir);
  const receivedAt = options.receivedAt ?? new Date();
  const state: SubmissionState = {
    id: options.submissionId ?? SubmissionLedger.newId(),
    status: 'received',
    submitter: options.submitter,
    agreement: options.agreement.id,
    ...(options.deliveryId ? { deliveryId: options.deliveryId } : {}),
    packageName: path.basename(packagePath),
    receivedAt: receivedAt.toISOString(),
  };
  const setStatus = (status: SubmissionState['status']) => {
    state.status = status;
    ledger.save(state);
    options.onStatus?.(status);
  };
  setStatus('received');

  let pkg: PackageView;
  try {
    pkg = await openPackage(packagePath, { staging: archive.paths.staging });
  } catch (e) {
    // A container refused outright (traversal, links, bombs, truncation) is a rejection with that code.
    if (!isRefusal(e)) throw failed(ledger, state, e);
    const sha = await packageSha256Safe(packagePath);
    if (sha) state.packageSha256 = sha;
    return reject(archive, ledger, state, refusalReport(state.packageName!, e), {}, options);
  }
  try {
    state.packageName = pkg.rootName;
    state.packageSha256 = options.packageSha256 ?? (await packageSha256(packagePath, pkg));
    const facts = await probePackage(pkg);
    state.packageId = facts.objid ?? pkg.rootName;
    const earlier = ledger.findDecided(state.packageId, state.packageSha256, options.agreement.id);
    if (earlier !== undefined) return repeated(ledger, earlier, pkg.rootName);
    const refusal = agreementRefusal(facts.agreementReference, options.agreement, SubmissionRegistry.open(archive).agreements());
    if (refusal) return reject(archive, ledger, state, refusalReport(pkg.rootName, refusal), facts, options);

    setStatus('validating');
    let report: ValidationReport;
    try {
      report = await validatePackage(packagePath, {
        // The format policy is the validator's rule BEVARA-007; a strict agreement makes a violation a failure.
        agreement: { ...(options.agreement.profile ? { profile: options.agreement.profile } : {}), ...(options.agreement.csipVersion ? { csipVersion: options.agreement.csipVersion } : {}), strictFormats: options.agreement.strictFormats },
        staging: archive.paths.staging,
        ...(options.progress ? { progress: (d: number, t: number) => options.progress!(d, t, 'validating') } : {}),
      });
    } catch (e) {
      if (!isRefusal(e)) throw e;
      report = refusalReport(pkg.rootName, e);
    }
    if (!report.valid) return reject(archive, ledger, state, report, facts, options);

    const aipId = aipIdFor(state.packageId);
    const existing = archive.catalog.get(aipId);
    if (existing && !options.agreement.allowUpdates) {
      const e = new IngestError('I-016', `${state.packageId} is archived already (${aipId}) and agreement ${options.agreement.id} does not allow updates`, { aip: aipId });
      return reject(archive, ledger, state, { ...report, valid: false, results: [...report.results, refusalResult(e)] }, facts, options);
    }
    setStatus('archiving');
    return await archiveValid(archive, ledger, state, pkg, facts, report, aipId, existing?.head, options);
  } catch (e) {
    throw failed(ledger, state, e);
  } finally {
    await pkg.close();
  }
}

async function archiveValid(
  archive: Archive, ledger: SubmissionLedger, state: SubmissionState, pkg: PackageView, facts: PackageFacts,
  report: ValidationReport, aipId: string, previousHead: string | undefined, options: IngestOptions,
): Promise<IngestResult> {
  const version = previousHead ? `v${Number(previousHead.slice(1)) + 1}` : 'v1';
  let signed: SignedReceipt | undefined;
  const { files, stored } = packageFiles(
    pkg,
    facts.declaredSha256,
    (file, done, total) => options.progress?.(done, total, file.path),
    (all) => {
      const decidedAt = new Date();
      state.decidedAt = decidedAt.toISOString();
      signed = signReceipt(receiptOf(archive, state, 'archived', [], { id: aipId, version }, all, facts), archive.keys.signer());
      const json = Buffer.from(JSON.stringify(report) + '\n', 'utf8');
      return [
        { path: `${RECEIPTS_DIR}/receipt-${version}.xml`, source: signed.xml },
        { path: `${RECEIPTS_DIR}/receipt-${version}.xml.p7s`, source: signed.xmlSignature },
        { path: `${RECEIPTS_DIR}/receipt-${version}.json`, source: signed.json },
        { path: `${RECEIPTS_DIR}/receipt-${version}.json.p7s`, source: signed.jsonSignature },
        { path: `${RECEIPTS_DIR}/validation-report-${version}.json`, source: json },
      ];
    },
  );
  const submitter: PremisAgent = { id: `submitter:${options.submitter}`, name: options.submitter, type: 'organization' };
  const common = {
    files,
    agents: [submitter],
    message: `ingest of ${state.packageId} (submission ${state.id}, agreement ${options.agreement.id})`,
    user: { name: options.submitter },
    label: facts.label ?? state.packageId!,
  };
  // Storage reads `events` only after it consumed the files, when digests and formats are known.
  const events = () => premisEvents(state, report, stored, submitter.id);
  if (previousHead) {
    const now = new Set(pkg.entries.filter((e) => e.type === 'file').map((e) => `${SUBMISSION_DIR}/${e.path}`));
    const remove = stateFiles(await archive.inventory(aipId)).filter((p) => p.startsWith(`${SUBMISSION_DIR}/`) && !now.has(p));
    await archive.addVersion(aipId, withEvents({ ...common, remove }, events));
  } else {
    await archive.createAip(withEvents({ ...common, id: aipId, contentCategory: 'Mixed' }, events));
  }
  state.status = 'archived';
  state.aip = aipId;
  state.version = version;
  ledger.decide(state, report, signed!);
  options.onStatus?.('archived');
  await archive.record({ type: 'submission.archived', actor: options.submitter, subject: aipId, data: { submission: state.id, package: state.packageId!, sha256: state.packageSha256!, version } });
  return { submissionId: state.id, package: state.packageName!, packageId: state.packageId!, outcome: 'archived', aip: aipId, version, report, receipt: signed!, repeated: false };
}

async function reject(
  archive: Archive, ledger: SubmissionLedger, state: SubmissionState, report: ValidationReport, facts: Partial<PackageFacts>, options: IngestOptions,
): Promise<IngestResult> {
  state.decidedAt = new Date().toISOString();
  state.status = 'rejected';
  state.packageId ??= state.packageName!;
  const rules = [...new Set(report.results.filter((r) => r.status === 'failed').map((r) => r.id))];
  const signed = signReceipt(receiptOf(archive, state, 'rejected', rules, undefined, [], facts), archive.keys.signer());
  ledger.decide(state, report, signed);
  options.onStatus?.('rejected');
  await archive.record({ type: 'submission.rejected', actor: options.submitter, subject: state.packageId, data: { submission: state.id, rules } });
  return { submissionId: state.id, package: state.packageName!, packageId: state.packageId, outcome: 'rejected', report, receipt: signed, repeated: false };
}

function repeated(ledger: SubmissionLedger, id: string, name: string): IngestResult {
  const state = ledger.get(id);
  const report = ledger.report(id);
  const receipt = ledger.receipt(id);
  if (!state || !report || !receipt || (state.status !== 'archived' && state.status !== 'rejected')) {
    throw new IngestError('I-026', `submission ${id} is recorded as decided but its state is incomplete`, { submission: id });
  }
  return {
    submissionId: id, package: name, packageId: state.packageId ?? name, outcome: state.status,
    ...(state.aip ? { aip: state.aip } : {}), ...(state.version ? { version: state.version } : {}),
    report, receipt, repeated: true,
  };
}

function receiptOf(
  archive: Archive, state: SubmissionState, outcome: Receipt['outcome'], failedRules: string[],
  aip: Receipt['aip'], stored: StoredFile[], facts: Partial<PackageFacts>,
): Receipt {
  return {
    format: RECEIPT_FORMAT,
    submissionId: state.id,
    packageId: state.packageId ?? state.packageName ?? 'unknown',
    packageName: state.packageName ?? '',
    ...(state.deliveryId ? { deliveryId: state.deliveryId } : {}),
    agreement: state.agreement,
    submitter: state.submitter,
    archiveId: archive.config.archiveId,
    receivedAt: state.receivedAt,
    decidedAt: state.decidedAt!,
    ...(state.packageSha256 ? { packageSha256: state.packageSha256 } : {}),
    outcome,
    failedRules,
    ...(aip ? { aip } : {}),
    files: stored.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256 })),
    cases: (facts.cases ?? []).map((c) => ({ diarienummer: c.diarienummer })),
  };
}

function premisEvents(state: SubmissionState, report: ValidationReport, stored: StoredFile[], submitter: string): PremisEvent[] {
  const formats = report.results.filter((r) => r.id === FORMAT_RULE && r.status !== 'passed');
  const objects = stored.map((f) => `${SUBMISSION_DIR}/${f.path}`);
  const warnings = report.results.filter((r) => r.status === 'warning').length;
  const unidentified = stored.filter((f) => f.identification.puid === null).length;
  const declared = stored.length;
  return [
    { type: 'ingestion start', dateTime: new Date(state.receivedAt), detail: `package ${state.packageId} received from ${state.submitter} under agreement ${state.agreement} (submission ${state.id}, SHA-256 ${state.packageSha256})`, outcome: 'success', agents: [{ id: submitter, role: 'submitter' }, { id: 'bevara', role: 'executing program' }] },
    { type: 'validation', detail: `validated as ${report.profile}: ${report.results.length} results`, outcome: warnings > 0 ? 'warning' : 'success', ...(warnings > 0 ? { outcomeDetail: `${warnings} warnings` } : {}), agents: [{ id: 'bevara', role: 'executing program' }] },
    { type: 'format identification', detail: 'PRONOM identification (DROID signatures, head and tail windows) while storing', outcome: unidentified > 0 || formats.length > 0 ? 'warning' : 'success', ...(unidentified + formats.length > 0 ? { outcomeDetail: `${unidentified} files unidentified, ${formats.length} outside format policy ${DEFAULT_FORMAT_POLICY.id}` } : {}), agents: [{ id: 'bevara', role: 'executing program' }], objects },
    { type: 'message digest calculation', detail: `SHA-256 computed while storing; ${declared} files checked against the digests the package declares where it declares SHA-256`, outcome: 'success', agents: [{ id: 'bevara', role: 'executing program' }], objects },
    { type: 'ingestion end', detail: `archived as an AIP (submission ${state.id})`, outcome: 'success', agents: [{ id: 'bevara', role: 'executing program' }, { id: submitter, role: 'submitter' }] },
  ];
}

/** The AIP of a package is named by its OBJID, so a later version of the same package finds it. */
export function aipIdFor(objid: string): string {
  const h = createHash('sha256').update(`bevara-aip:${objid}`).digest('hex');
  return `urn:uuid:${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

function stateFiles(inv: Awaited<ReturnType<Archive['inventory']>>): string[] {
  const state = inv.versions[inv.head]?.state ?? {};
  return Object.values(state).flat();
}

/** Failures that judge the package (exit 1 in the ingest table) reject it; anything else is a system error. */
function isRefusal(e: unknown): e is IngestError {
  return e instanceof IngestError && (INGEST_ERRORS as Record<string, { exit: number }>)[e.code]?.exit === 1;
}

function refusalResult(e: BevaraError): Result {
  return { id: e.code, level: 'MUST', status: 'failed', message: e.message, ...(e.detail['path'] || e.detail['file'] ? { location: { file: String(e.detail['file'] ?? e.detail['path']) } } : {}) };
}

function refusalReport(name: string, e: IngestError): ValidationReport {
  return { package: name, profile: 'unknown', valid: false, results: [refusalResult(e)] };
}

/** The digest of a refused package file, for its receipt; a refused folder has none. */
async function packageSha256Safe(p: string): Promise<string | undefined> {
  return fileSha256(p).catch(() => undefined);
}

function withEvents<T extends object>(input: T, events: () => PremisEvent[]): T & { events: PremisEvent[] } {
  return Object.defineProperty(input, 'events', { get: events, enumerable: true }) as T & { events: PremisEvent[] };
}

function failed(ledger: SubmissionLedger, state: SubmissionState, e: unknown): unknown {
  state.status = 'failed';
  state.error = e instanceof BevaraError ? { code: e.code, message: e.message } : { code: 'I-026', message: 'internal error' };
  ledger.save(state);
  return e;
}

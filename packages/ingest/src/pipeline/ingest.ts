/**
 * From submitted package to AIP in one streaming pass. The METS documents are validated first (structure, XSD,
 * profile rules); if nothing has failed by then, storage opens a version and validation's file pass hands each
 * file's bytes to it in the same read that checks sizes, checksums and formats (aip-files.ts). At the end of the
 * pass a valid package's version commits with the signed receipt and the report inside it; otherwise the version
 * is aborted (nothing stored, no staging left) and the package is rejected. The package's own METS and metadata
 * are kept under `submission/`, with PREMIS events for receipt, validation, format identification, message
 * digest calculation and ingest. A rejected package leaves no AIP: its receipt goes to the archive folder's
 * submission state. The same package (OBJID and SHA-256) again returns the first decision.
 *
 * What "one pass" means for each kind of input:
 * - every kind: each file of the package is read from its container once, for validation and storage together.
 *   The METS and ERMS documents, read before the pass to decide whether to store at all, are kept in memory
 *   (kept-view.ts) and not read again. Exceptions, both partial reads: a file whose format is a zip container
 *   (OOXML, ODF) re-opens its entry to look at the container's entries, and a document too large for the keep
 *   budget is read again by the pass.
 * - a folder: its SHA-256 is made from the digests of the pass, so nothing else reads it; a repeated folder is
 *   known only after its pass, and its version is then aborted.
 * - a zip or tar over HTTP: spooled once while its SHA-256 is computed (submission/spool.ts); the pass reads the
 *   spooled file's entries (a tar is first copied to staging by sip/tar.ts to gain random access).
 * - a zip or tar given to the CLI: its SHA-256 is a second read of the file, on a worker thread alongside the
 *   validation and the pass; the repeat check asks the ledger as soon as it has come (a repeat found only after the
 *   pass aborts the version it was writing).
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { BevaraError, isBevaraError, type AipFile, type Archive, type PremisAgent, type PremisEvent } from '@bevara/storage';
import { failureOf, INGEST_ERRORS, IngestError } from '../errors.ts';
import { DEFAULT_FORMAT_POLICY } from '../formats/policy.ts';
import type { FileFacts, Result, ValidationReport } from '../report/types.ts';
import type { FileRead } from '../rules/file-read.ts';
import { FORMAT_RULE } from '../rules/formats.ts';
import { openPackage } from '../sip/open.ts';
import type { PackageView } from '../sip/types.ts';
import { agreementRefusal, SubmissionRegistry } from '../submission/agreements.ts';
import { signReceipt, RECEIPT_FORMAT, type Receipt, type SignedReceipt } from '../submission/receipt.ts';
import { validateMets, type MetsStage, type ValidateOptions } from '../validate.ts';
import { AipFeed, identificationOf, SUBMISSION_DIR, type StoredFile } from './aip-files.ts';
import { keepingView, type KeptView } from './kept-view.ts';
import { SubmissionLedger, type SubmissionState } from './ledger.ts';
import { fileSha256, manifestSha256, PendingDigest, sortedByPath } from './package-digest.ts';
import { probePackage, type PackageFacts } from './probe.ts';
import type { IngestOptions, IngestResult } from './types.ts';

/** Where receipts and the validation report live inside an AIP, one set per version. */
export const RECEIPTS_DIR = 'metadata/submission';

export function ingestPackage(archive: Archive, packagePath: string, options: IngestOptions): Promise<IngestResult> {
  return ingestThrough(archive, packagePath, options, (pkg) => pkg);
}

/** ingestPackage with the opened package seen through `through` (how a test counts each file's reads). */
export async function ingestThrough(
  archive: Archive, packagePath: string, options: IngestOptions, through: (pkg: PackageView) => PackageView,
): Promise<IngestResult> {
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
  const run: Run = {
    archive, ledger, state, options,
    setStatus(status) {
      state.status = status;
      ledger.save(state);
      options.onStatus?.(status);
    },
  };
  run.setStatus('received');

  let opened: PackageView;
  try {
    opened = await openPackage(packagePath, { staging: archive.paths.staging });
  } catch (e) {
    // A container refused outright (traversal, links, bombs, truncation) is a rejection with that code.
    if (!isRefusal(e)) throw failed(ledger, state, e);
    // the digest of a refused package file, for its receipt; a refused folder has none
    const sha = await fileSha256(packagePath).catch(() => undefined);
    if (sha) state.packageSha256 = sha;
    return reject(run, refusalReport(state.packageName!, e), {});
  }
  const pkg = keepingView(through(opened));
  try {
    state.packageName = pkg.rootName;
    // An upload's digest is known (hashed while spooled); a package file's is computed on a worker thread while
    // validation and the pass go on; a folder's comes from the pass.
    if (options.packageSha256 !== undefined) state.packageSha256 = options.packageSha256;
    else if ((await stat(packagePath)).isFile()) run.digest = new PendingDigest(packagePath);
    const facts = await probePackage(pkg);
    state.packageId = facts.objid ?? pkg.rootName;
    const earlier = earlierDecision(run);
    if (earlier !== undefined) return repeated(ledger, earlier, pkg.rootName);
    const refusal = agreementRefusal(facts.agreementReference, options.agreement, SubmissionRegistry.open(archive).agreements());
    if (refusal) return reject(run, refusalReport(pkg.rootName, refusal), facts);

    run.setStatus('validating');
    let stage: MetsStage;
    try {
      stage = await validateMets(pkg, { ...validateOptions(archive, options), parsed: facts.mets });
    } catch (e) {
      if (!isRefusal(e)) throw e;
      return reject(run, refusalReport(pkg.rootName, e), facts);
    }
    // a package file's digest may have come by now: a repeat then skips the pass
    const again = earlierDecision(run);
    if (again !== undefined) return repeated(ledger, again, pkg.rootName);
    const aipId = aipIdFor(state.packageId);
    const existing = archive.catalog.get(aipId);
    const updateRefused = Boolean(existing) && !options.agreement.allowUpdates;
    pkg.beginPass();
    if (!stage.valid || updateRefused) {
      // Nothing of this package will be stored: the pass only validates (and digests a folder).
      const digests: FileFacts[] = [];
      const progress = progressOf(pkg, options);
      const report = await reportOrRefusal(pkg, () => stage.filePass({
        everyFile: true,
        onRead: (p, _r, f) => {
          digests.push(f);
          progress(p);
        },
      }));
      const again = await decisionAfterPass(run, digests);
      if (again !== undefined) return repeated(ledger, again, pkg.rootName);
      if (!updateRefused || !report.valid) return reject(run, report, facts, digests);
      const e = new IngestError('I-016', `${state.packageId} is archived already (${aipId}) and agreement ${options.agreement.id} does not allow updates`, { aip: aipId });
      return reject(run, { ...report, valid: false, results: [...report.results, refusalResult(e)] }, facts, digests);
    }
    return await archiveInPass(run, pkg, stage, facts, aipId, existing?.head);
  } catch (e) {
    // the failed submission's record keeps the package file's digest too, when it can be had
    state.packageSha256 ??= await run.digest?.result.catch(() => undefined);
    throw failed(ledger, state, e);
  } finally {
    await pkg.close();
  }
}

/** One ingest's state and ledger, and how its status moves. */
interface Run {
  archive: Archive;
  ledger: SubmissionLedger;
  state: SubmissionState;
  options: IngestOptions;
  /** A package file's SHA-256 while it is being computed. */
  digest?: PendingDigest;
  /** The ledger was asked whether this package (OBJID and SHA-256) was decided before. */
  repeatChecked?: boolean;
  setStatus(status: SubmissionState['status']): void;
}

/** The earlier decision on this package, when its digest is known already and it was decided before. */
function earlierDecision(run: Run): string | undefined {
  const { state } = run;
  if (run.repeatChecked) return undefined;
  state.packageSha256 ??= run.digest?.known;
  if (state.packageSha256 === undefined) return undefined;
  run.repeatChecked = true;
  return run.ledger.findDecided(state.packageId!, state.packageSha256, run.options.agreement.id);
}

/**
 * After the pass every digest is known: a package file's (waited for), or a folder's, made from its files'. The
 * earlier decision on the package, when the ledger was not asked before the pass.
 */
async function decisionAfterPass(run: Run, files: readonly { path: string; sha256: string }[]): Promise<string | undefined> {
  run.state.packageSha256 ??= run.digest ? await run.digest.result : manifestSha256(files);
  return earlierDecision(run);
}

function validateOptions(archive: Archive, options: IngestOptions): ValidateOptions {
  const { agreement } = options;
  return {
    // The format policy is the validator's rule BEVARA-007; a strict agreement makes a violation a failure.
    agreement: { ...(agreement.profile ? { profile: agreement.profile } : {}), ...(agreement.csipVersion ? { csipVersion: agreement.csipVersion } : {}), strictFormats: agreement.strictFormats },
    staging: archive.paths.staging,
  };
}

/** The file pass's progress: every file of the package, named as it is done. */
function progressOf(pkg: PackageView, options: IngestOptions): (path: string) => void {
  const total = pkg.entries.filter((e) => e.type === 'file').length;
  let done = 0;
  return (path) => options.progress?.(++done, total, path);
}

/** A container failure during the pass (a corrupt entry, say) judges the package, as it does in validation. */
async function reportOrRefusal(pkg: PackageView, pass: () => Promise<ValidationReport>): Promise<ValidationReport> {
  try {
    return await pass();
  } catch (e) {
    if (!isRefusal(e)) throw e;
    return refusalReport(pkg.rootName, e);
  }
}

/** Why storage is told to drop the version it was writing. */
class NotArchived extends Error {}

/**
 * The file pass with storage open: each file read goes to validation and to the AIP version at once. A valid
 * report commits the version with the receipt and report; anything else aborts it before anything is archived.
 */
async function archiveInPass(
  run: Run, pkg: KeptView, stage: MetsStage, facts: PackageFacts, aipId: string, previousHead: string | undefined,
): Promise<IngestResult> {
  const { archive, ledger, state, options } = run;
  const version = previousHead ? `v${Number(previousHead.slice(1)) + 1}` : 'v1';
  const feed = new AipFeed();
  const observed = new Map<string, StoredFile>();
  let stored: StoredFile[] = [];
  let report: ValidationReport | undefined;
  const submitter: PremisAgent = { id: `submitter:${options.submitter}`, name: options.submitter, type: 'organization' };
  const common = {
    files: feed.files(),
    agents: [submitter],
    message: `ingest of ${state.packageId} (submission ${state.id}, agreement ${options.agreement.id})`,
    user: { name: options.submitter },
    label: facts.label ?? state.packageId!,
  };
  // Storage reads `events` only after it consumed the files, when the report, digests and formats are known.
  const events = () => premisEvents(state, report!, stored, submitter.id);
  let storing: Promise<unknown>;
  if (previousHead) {
    const now = new Set(pkg.entries.filter((e) => e.type === 'file').map((e) => `${SUBMISSION_DIR}/${e.path}`));
    const remove = stateFiles(await archive.inventory(aipId)).filter((p) => p.startsWith(`${SUBMISSION_DIR}/`) && !now.has(p));
    storing = archive.addVersion(aipId, withEvents({ ...common, remove, basedOn: previousHead }, events));
  } else {
    // Another submission may have archived the AIP since this one found none (the catalog has it now): a conflict
    // that passes when the package is sent again (it is then a repeat or an update). A catalog that still lacks an
    // AIP storage has is stale, and S-015 says so.
    storing = archive.createAip(withEvents({ ...common, id: aipId, contentCategory: 'Mixed' }, events)).catch((e: unknown) => {
      throw isBevaraError(e, 'S-015') && archive.catalog.get(aipId)
        ? new BevaraError('S-018', `${state.packageId} was archived as ${aipId} by another submission meanwhile; send the package again`, { aip: aipId }, { cause: e })
        : e;
    });
  }
  // Storage failing stops the pass: the pipes fail, and the read writing into one of them with them.
  storing.catch((e: unknown) => feed.abort(e instanceof Error ? e : new Error(String(e))));
  /** Storage's own failure, if it had one besides being told to drop the version. */
  const dropVersion = async (why: string): Promise<unknown> => {
    feed.abort(new NotArchived(why));
    return storing.then(() => undefined, (e: unknown) => (e instanceof NotArchived ? undefined : e));
  };

  const progress = progressOf(pkg, options);
  try {
    report = await reportOrRefusal(pkg, () => stage.filePass({
      everyFile: true,
      sink: (p) => feed.add(p, pkg.entry(p)?.size ?? 0, () => observed.get(p)),
      onRead: async (p: string, read: FileRead, f: FileFacts) => {
        observed.set(p, { path: p, sha256: f.sha256, size: f.size, identification: await identificationOf(pkg, p, read) });
        progress(p);
      },
    }));
  } catch (e) {
    // A failure of storage's (a full disk, say) is the cause: the pass only saw the file's pipe close.
    throw (await dropVersion('the file pass failed')) ?? e;
  }
  stored = sortedByPath([...observed.values()]);
  const earlier = await decisionAfterPass(run, stored);
  if (earlier !== undefined) {
    await dropVersion('the same package was decided before');
    return repeated(ledger, earlier, pkg.rootName);
  }
  if (!report.valid) {
    await dropVersion('the package is rejected');
    return reject(run, report, facts, stored);
  }

  state.decidedAt = new Date().toISOString();
  const signed = signReceipt(receiptOf(archive, state, 'archived', [], { id: aipId, version }, stored, facts), archive.keys.signer());
  feed.close(closingFiles(version, signed, report));
  run.setStatus('archiving');
  await storing;
  state.status = 'archived';
  state.aip = aipId;
  state.version = version;
  ledger.decide(state, report, signed);
  options.onStatus?.('archived');
  await archive.record({ type: 'submission.archived', actor: options.submitter, subject: aipId, data: { submission: state.id, package: state.packageId!, sha256: state.packageSha256!, version } });
  return { submissionId: state.id, package: state.packageName!, packageId: state.packageId!, outcome: 'archived', aip: aipId, version, report, receipt: signed, repeated: false };
}

/** The receipt and the report, stored in the version they describe. */
function closingFiles(version: string, signed: SignedReceipt, report: ValidationReport): AipFile[] {
  return [
    { path: `${RECEIPTS_DIR}/receipt-${version}.xml`, source: signed.xml },
    { path: `${RECEIPTS_DIR}/receipt-${version}.xml.p7s`, source: signed.xmlSignature },
    { path: `${RECEIPTS_DIR}/receipt-${version}.json`, source: signed.json },
    { path: `${RECEIPTS_DIR}/receipt-${version}.json.p7s`, source: signed.jsonSignature },
    { path: `${RECEIPTS_DIR}/validation-report-${version}.json`, source: Buffer.from(JSON.stringify(report) + '\n', 'utf8') },
  ];
}

/** `read`: the files the pass read, with their digests as they arrived (none when the package was refused before it). */
async function reject(run: Run, report: ValidationReport, facts: Partial<PackageFacts>, read: readonly FileDigest[] = []): Promise<IngestResult> {
  const { archive, ledger, state, options } = run;
  state.packageId ??= state.packageName!;
  if (run.digest) {
    // refused before the pass, while the package file's digest was still coming: it may be a repeat
    const earlier = await decisionAfterPass(run, read);
    if (earlier !== undefined) return repeated(ledger, earlier, state.packageName!);
  }
  state.decidedAt = new Date().toISOString();
  state.status = 'rejected';
  const rules = [...new Set(report.results.filter((r) => r.status === 'failed').map((r) => r.id))];
  const signed = signReceipt(receiptOf(archive, state, 'rejected', rules, undefined, sortedByPath(read), facts), archive.keys.signer());
  ledger.decide(state, report, signed);
  options.onStatus?.('rejected');
  await archive.record({ type: 'submission.rejected', actor: options.submitter, subject: state.packageId, data: { submission: state.id, rules } });
  return { submissionId: state.id, package: state.packageName!, packageId: state.packageId, outcome: 'rejected', report, receipt: signed, repeated: false };
}

type FileDigest = Pick<StoredFile, 'path' | 'size' | 'sha256'>;

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
  aip: Receipt['aip'], stored: readonly FileDigest[], facts: Partial<PackageFacts>,
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

function withEvents<T extends object>(input: T, events: () => PremisEvent[]): T & { events: PremisEvent[] } {
  return Object.defineProperty(input, 'events', { get: events, enumerable: true }) as T & { events: PremisEvent[] };
}

function failed(ledger: SubmissionLedger, state: SubmissionState, e: unknown): unknown {
  // a decision already recorded stands: a failure after it (its audit-log entry, say) does not turn it into one
  const recorded = ledger.get(state.id)?.status;
  if (recorded === 'archived' || recorded === 'rejected') return e;
  state.status = 'failed';
  state.error = failureOf(e);
  try {
    ledger.save(state);
  } catch {
    // the ledger cannot be written either (a full disk): the failure to report is the one that stopped the ingest
  }
  return e;
}

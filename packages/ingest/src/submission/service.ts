/**
 * Submissions over the wire: a body is spooled once (hashed on the way), answered at once with its submission
 * id, and ingested in the background within a concurrency limit. The same package again (OBJID and SHA-256)
 * answers with the first submission. After a restart, spooled but undecided submissions are ingested again;
 * nothing is lost and, because ingest is idempotent, nothing is archived twice.
 */
import fs from 'node:fs';
import { rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import type { Archive } from '@bevara/storage';
import { IngestError, isRetryable } from '../errors.ts';
import { ingestPackage } from '../pipeline/ingest.ts';
import { inProgress, SubmissionLedger, type SubmissionState, type SubmissionStatus } from '../pipeline/ledger.ts';
import { probePackage } from '../pipeline/probe.ts';
import type { IngestResult } from '../pipeline/types.ts';
import type { ValidationReport } from '../report/types.ts';
import { openPackage } from '../sip/open.ts';
import { agreementRefusal, SubmissionRegistry, type Submitter } from './agreements.ts';
import type { Receipt } from './receipt.ts';
import { spoolUpload } from './spool.ts';

export interface SubmissionLimits {
  maxBytes: number;
  idleTimeoutMs: number;
  /** Uploads and ingests in progress at once; more are answered 503 (I-022). */
  concurrency: number;
}

export const DEFAULT_SUBMISSION_LIMITS: SubmissionLimits = { maxBytes: 64 * 1024 ** 3, idleTimeoutMs: 30_000, concurrency: 4 };

export interface SubmissionView {
  id: string;
  status: SubmissionStatus;
  report?: ValidationReport;
  receipt?: Receipt;
  /** Why a `failed` submission was not decided, and whether sending the package again may succeed. */
  error?: { code: string; message: string; retry: boolean };
}

export type Log = (entry: Record<string, unknown>) => void;

export class SubmissionService {
  readonly registry: SubmissionRegistry;
  readonly ledger: SubmissionLedger;
  private active = 0;
  private readonly running = new Set<Promise<unknown>>();
  private readonly uploads: string;

  constructor(readonly archive: Archive, readonly limits: SubmissionLimits = DEFAULT_SUBMISSION_LIMITS, private readonly log: Log = () => undefined) {
    this.registry = SubmissionRegistry.open(archive);
    this.ledger = SubmissionLedger.open(archive.paths.dir);
    this.uploads = path.join(archive.paths.staging, 'uploads');
  }

  /** Spools a POSTed package; 202 with a new id, or 200 with the first submission of the same package. */
  async accept(req: IncomingMessage, submitter: Submitter, deliveryId: string | undefined): Promise<{ code: 200 | 202; view: SubmissionView }> {
    if (this.active >= this.limits.concurrency) throw new IngestError('I-022', `${this.active} submissions in progress; try again later`, {});
    this.active++;
    let handedOver = false;
    try {
      const id = SubmissionLedger.newId();
      const receivedAt = new Date();
      const spooled = await spoolUpload(req, this.uploads, `${id}.pkg`, this.limits);
      let earlier: string | undefined;
      try {
        earlier = await this.earlierDecision(spooled.file, spooled.sha256, submitter);
      } catch (e) {
        await rm(spooled.file, { force: true });
        throw e;
      }
      if (earlier !== undefined) {
        await rm(spooled.file, { force: true });
        return { code: 200, view: this.view(earlier)! };
      }
      const state: SubmissionState = {
        id, status: 'received', submitter: submitter.name, agreement: submitter.agreement.id,
        ...(deliveryId ? { deliveryId } : {}), packageSha256: spooled.sha256, receivedAt: receivedAt.toISOString(),
        ...(submitter.webhook ? { webhook: submitter.webhook } : {}),
      };
      this.ledger.save(state);
      handedOver = true;
      this.track(this.process(state, spooled.file, submitter).finally(() => this.active--));
      return { code: 202, view: { id, status: 'received' } };
    } finally {
      if (!handedOver) this.active--;
    }
  }

  /** Ingests a package file already on disk (the drop folder), under the same concurrency slots. */
  async ingestFile(file: string, submitter: Submitter): Promise<IngestResult> {
    while (this.active >= this.limits.concurrency) await Promise.race(this.running);
    this.active++;
    try {
      return await ingestPackage(this.archive, file, { agreement: submitter.agreement, submitter: submitter.name });
    } finally {
      this.active--;
    }
  }

  view(id: string, submitter?: Submitter): SubmissionView | undefined {
    const state = this.ledger.get(id);
    if (!state || (submitter && state.submitter !== submitter.name)) return undefined;
    const report = this.ledger.report(id);
    const receipt = this.ledger.receipt(id);
    const error = state.status === 'failed' && state.error ? { ...state.error, retry: isRetryable(state.error.code) } : undefined;
    return { id, status: state.status, ...(report ? { report } : {}), ...(receipt ? { receipt: receipt.receipt } : {}), ...(error ? { error } : {}) };
  }

  /**
   * Ingests what a previous run spooled but did not decide; not what this process or another live one (a server
   * still running, a `bevara ingest`) is working on. The server calls it at start and then now and again, so what
   * an old server left when it stopped after this one started is taken too.
   */
  resume(): void {
    for (const state of this.ledger.undecided()) {
      if (inProgress(state)) continue;
      const file = path.join(this.uploads, `${state.id}.pkg`);
      const agreement = this.registry.agreements().find((a) => a.id === state.agreement);
      const submitter = agreement ? { name: state.submitter, agreement, ...(state.webhook ? { webhook: state.webhook } : {}) } : undefined;
      if (!fs.existsSync(file) || !submitter) {
        this.ledger.save({ ...state, status: 'failed', error: { code: 'I-029', message: 'the upload was lost before it was decided; send it again' } });
        if (state.webhook) this.keep(this.notify(state.webhook, this.view(state.id)!));
        continue;
      }
      this.active++;
      this.track(this.process(state, file, submitter).finally(() => this.active--));
    }
  }

  /** Resolves when every background ingest has ended (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** A background ingest: counted in the ingest metrics, and waited for by idle(). */
  private track(p: Promise<unknown>): void {
    this.keep(this.archive.ingestMetrics.observe(p).catch(() => undefined));
  }

  /** Other background work idle() waits for (a webhook call). */
  private keep(p: Promise<unknown>): void {
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
  }

  private async process(state: SubmissionState, file: string, submitter: Submitter): Promise<void> {
    try {
      const result = await ingestPackage(this.archive, file, {
        agreement: submitter.agreement, submitter: submitter.name, submissionId: state.id, receivedAt: new Date(state.receivedAt),
        ...(state.deliveryId ? { deliveryId: state.deliveryId } : {}), ...(state.packageSha256 ? { packageSha256: state.packageSha256 } : {}),
      });
      if (result.repeated) {
        // Decided meanwhile by another submission of the same package: point this one at that decision.
        this.ledger.save({ ...state, status: result.outcome, decidedAt: new Date().toISOString(), ...(result.aip ? { aip: result.aip } : {}), ...(result.version ? { version: result.version } : {}) });
      }
    } catch (e) {
      this.log({ level: 'error', msg: 'ingest failed', submission: state.id, err: String((e as Error)?.stack ?? e) });
    } finally {
      await rm(file, { force: true });
    }
    // the outcome, a failure included: the submitter learns of it without polling (never of a state in between)
    const view = submitter.webhook ? this.view(state.id) : undefined;
    if (view && (view.status === 'archived' || view.status === 'rejected' || view.status === 'failed')) await this.notify(submitter.webhook!, view);
  }

  private async notify(url: string, view: SubmissionView): Promise<void> {
    const id = view.id;
    try {
      const body = { id, status: view.status, receipt: view.receipt, ...(view.error ? { error: view.error } : {}) };
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
      if (!res.ok) this.log({ level: 'warn', msg: 'webhook answered an error', submission: id, status: res.status });
    } catch (e) {
      this.log({ level: 'warn', msg: 'webhook failed', submission: id, err: String(e) });
    }
  }

  /**
   * The first submission of this same package, if one was decided; throws I-027 when the package cites another
   * submission agreement than the token's, so it is refused before anything is recorded.
   */
  private async earlierDecision(file: string, sha256: string, submitter: Submitter): Promise<string | undefined> {
    let pkg;
    try {
      pkg = await openPackage(file, { staging: this.archive.paths.staging });
    } catch {
      return undefined; // a refused container is decided by ingest, with a receipt
    }
    try {
      const facts = await probePackage(pkg);
      const refusal = agreementRefusal(facts.agreementReference, submitter.agreement, this.registry.agreements());
      if (refusal) throw refusal;
      return this.ledger.findDecided(facts.objid ?? pkg.rootName, sha256, submitter.agreement.id);
    } finally {
      await pkg.close();
    }
  }
}

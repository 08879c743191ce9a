/**
 * What `bevara serve` does beside answering requests to keep the archive for decades: GET /metrics in
 * Prometheus text, and the fixity audit on the policy's cycle. The schedule wakes every `checkEveryMs`,
 * asks the archive which stores are due (`auditDue`) and, if any are, runs one audit with repair; a run
 * never overlaps the next because the next wake-up is set only when a run has ended. On shutdown the
 * audit stops between two objects with its position saved, so the next start resumes it.
 */
import type Koa from 'koa';
import { METRICS_CONTENT_TYPE, renderMetrics, type Archive, type AuditReport, type Logger } from '@bevara/storage';

export function metricsMiddleware(archive: Archive): Koa.Middleware {
  return async (ctx, next) => {
    if (ctx.method !== 'GET' || ctx.path !== '/metrics') return next();
    ctx.type = METRICS_CONTENT_TYPE;
    ctx.body = await renderMetrics(archive);
  };
}

/** The serve command's log function as a storage Logger: the same one-JSON-object-a-line stream. */
export function loggerFrom(log: (entry: Record<string, unknown>) => void): Logger {
  return { log: (level, msg, fields = {}) => log({ level, msg, ...fields }) };
}

export interface AuditScheduleOptions {
  /** How often to look whether a store is due (the cycle itself is the policy's `audit.cycleDays`). */
  checkEveryMs: number;
  logger: Logger;
}

export class AuditSchedule {
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<void> | undefined;
  private readonly stopping = new AbortController();

  constructor(private readonly archive: Archive, private readonly options: AuditScheduleOptions) {}

  /** Looks at once (an archive that was never audited, or an audit a restart interrupted, starts now). */
  start(): void {
    this.wake();
  }

  /** Stops the running audit at the next object (position saved) and waits for it; no audit starts after. */
  async stop(): Promise<void> {
    this.stopping.abort(new Error('the server is shutting down'));
    clearTimeout(this.timer);
    await this.current;
  }

  private wake(): void {
    if (this.stopping.signal.aborted) return;
    this.current = this.runIfDue().finally(() => {
      this.current = undefined;
      if (this.stopping.signal.aborted) return;
      this.timer = setTimeout(() => this.wake(), this.options.checkEveryMs);
      this.timer.unref();
    });
  }

  private async runIfDue(): Promise<void> {
    const { logger } = this.options;
    let due: string[];
    try {
      due = this.archive.auditDue();
    } catch (e) {
      logger.log('error', 'cannot tell whether an audit is due', errorFields(e));
      return;
    }
    if (due.length === 0) return;
    // One due store of several: audit that one alone; otherwise every required store in one pass.
    const only = due.length === 1 && this.archive.requiredStores.length > 1 ? due[0] : undefined;
    const started = Date.now();
    logger.log('info', 'audit started', { stores: due, ...(only ? { store: only } : {}) });
    let report: AuditReport;
    try {
      report = await this.archive.auditCopies({
        ...(only ? { store: only } : {}),
        repair: true,
        actor: 'bevara serve',
        logger,
        signal: this.stopping.signal,
      });
    } catch (e) {
      if (this.stopping.signal.aborted) logger.log('info', 'audit paused for shutdown; the next start resumes it', {});
      // `bevara audit` in another process: its run counts; the next check finds whether one is still due
      else if ((e as { code?: unknown }).code === 'S-028') logger.log('info', 'audit not started: another process is auditing', errorFields(e));
      else logger.log('error', 'audit failed', errorFields(e));
      return;
    }
    logger.log(report.ok ? 'info' : 'error', report.ok ? 'audit finished' : 'audit finished: copies are bad and not repaired', {
      run: report.run,
      resumed: report.resumed,
      seconds: (Date.now() - started) / 1000,
      ok: report.ok,
      log: report.log.ok,
      stores: report.stores.map((s) => ({ store: s.store, copies: s.copies, good: s.good, failed: s.failed, repaired: s.repaired, bytes: s.bytes })),
      unrepaired: report.unrepaired,
    });
  }
}

function errorFields(e: unknown): Record<string, unknown> {
  const code = (e as { code?: unknown })?.code;
  return { ...(typeof code === 'string' ? { code } : {}), err: e instanceof Error ? e.message : String(e) };
}

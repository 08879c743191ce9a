/**
 * Ingest activity for `/metrics`: how long ingests take and how many are under way. Unlike the audit
 * figures (read from the audit state file, the same in every process), these live in the process
 * that ingests, so each `bevara serve` reports its own; a restart starts them from zero, which
 * Prometheus's rate() and histogram_quantile() expect of counters and histograms.
 *
 * The submission service hands each background ingest to `observe`; the archive owns one instance,
 * so the service needs no other wiring.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Seconds: a small package validates and archives in well under a second, a large one in hours. */
const DURATION_BUCKETS = [0.1, 0.5, 1, 2, 5, 15, 60, 300, 900, 3600, 4 * 3600];

export class IngestMetrics {
  private readonly registry = new Registry();
  private readonly queueDepth = new Gauge({
    name: 'bevara_ingest_queue_depth',
    help: 'Submissions received and not yet decided by this process (being ingested or waiting for a slot)',
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'bevara_ingest_duration_seconds',
    help: 'Time from the start of an ingest to its decision (archived, rejected or failed), in this process',
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  private readonly failed = new Counter({
    name: 'bevara_ingest_errors_total',
    help: 'Ingests that ended in a thrown error (a system failure, not a rejected package), in this process',
    registers: [this.registry],
  });

  /** Counts `work` as queued until it settles, then records how long it took; passes its outcome through. */
  async observe<T>(work: Promise<T>): Promise<T> {
    this.queueDepth.inc();
    const end = this.duration.startTimer();
    try {
      return await work;
    } catch (e) {
      this.failed.inc();
      throw e;
    } finally {
      end();
      this.queueDepth.dec();
    }
  }

  /** Prometheus text of these metrics alone (renderMetrics appends it to the archive's). */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}

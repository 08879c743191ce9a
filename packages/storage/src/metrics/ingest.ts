/**
 * Ingest activity for `/metrics`: how long ingests take and how many are under way. Unlike the audit
 * figures (read from the audit state file, the same in every process), these live in the process
 * that ingests, so each `bevara serve` reports its own; a restart starts them from zero, which
 * Prometheus's rate() and histogram_quantile() expect of counters and histograms.
 *
 * The submission service hands each background ingest to `observe`; the archive owns one instance,
 * so the service needs no other wiring. Every archive a command opens has one, so the instruments (and
 * prom-client with them) are made on first use, not with the archive.
 */
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { promClient } from './prom-client.ts';

/** Seconds: a small package validates and archives in well under a second, a large one in hours. */
const DURATION_BUCKETS = [0.1, 0.5, 1, 2, 5, 15, 60, 300, 900, 3600, 4 * 3600];

interface Instruments {
  registry: Registry;
  queueDepth: Gauge;
  duration: Histogram;
  failed: Counter;
}

function makeInstruments(): Instruments {
  const { Counter, Gauge, Histogram, Registry } = promClient();
  const registry = new Registry();
  return {
    registry,
    queueDepth: new Gauge({
      name: 'bevara_ingest_queue_depth',
      help: 'Submissions received and not yet decided by this process (being ingested or waiting for a slot)',
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'bevara_ingest_duration_seconds',
      help: 'Time from the start of an ingest to its decision (archived, rejected or failed), in this process',
      buckets: DURATION_BUCKETS,
      registers: [registry],
    }),
    failed: new Counter({
      name: 'bevara_ingest_errors_total',
      help: 'Ingests that ended in a thrown error (a system failure, not a rejected package), in this process',
      registers: [registry],
    }),
  };
}

export class IngestMetrics {
  private made: Instruments | undefined;

  private instruments(): Instruments {
    return (this.made ??= makeInstruments());
  }

  /** Counts `work` as queued until it settles, then records how long it took; passes its outcome through. */
  async observe<T>(work: Promise<T>): Promise<T> {
    const { queueDepth, duration, failed } = this.instruments();
    queueDepth.inc();
    const end = duration.startTimer();
    try {
      return await work;
    } catch (e) {
      failed.inc();
      throw e;
    } finally {
      end();
      queueDepth.dec();
    }
  }

  /** Prometheus text of these metrics alone (renderMetrics appends it to the archive's). */
  text(): Promise<string> {
    return this.instruments().registry.metrics();
  }
}

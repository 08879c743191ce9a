/**
 * prom-client (with @opentelemetry/api, which it loads), loaded when metrics are first recorded or rendered
 * instead of whenever the storage package is imported: only `bevara serve` has a /metrics, and loading the
 * library was about 40 ms of CPU at every start. Required, as the CommonJS library it is, because
 * IngestMetrics counts an ingest synchronously when it starts.
 */
import { createRequire } from 'node:module';
import type * as PromClient from 'prom-client';

let loaded: typeof PromClient | undefined;

export function promClient(): typeof PromClient {
  loaded ??= createRequire(import.meta.url)('prom-client') as typeof PromClient;
  return loaded;
}

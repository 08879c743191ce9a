/**
 * The archive's durability in Prometheus text format, for `/metrics` (the serve command mounts it).
 * Everything is read at scrape time from the catalog, the config file and the audit state file, so the
 * numbers are the same whichever process (CLI audit, server) did the work or changed the policy; the ingest
 * figures that follow them are this process's own (metrics/ingest.ts).
 */
import type { Archive } from '../archive/archive.ts';
import { readConfig, requiredStoreConfigs } from '../archive/config.ts';
import { readAuditState } from '../fixity/state.ts';
import { promClient } from './prom-client.ts';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export async function renderMetrics(archive: Archive, now = new Date()): Promise<string> {
  const { Gauge, Registry } = promClient();
  const registry = new Registry();
  const state = readAuditState(archive.paths.dir);
  // the file, not this process's copy: a scrape must not wait for this process's writes to follow a change
  const config = readConfig(archive.paths.dir);
  const gauge = (name: string, help: string, value: number, labels: Record<string, string> = {}): void => {
    const g = new Gauge({ name, help, labelNames: Object.keys(labels), registers: [registry] });
    g.set(labels, value);
  };
  gauge('bevara_aips', 'AIPs in the catalog', archive.list().length);
  gauge('bevara_policy_copies', 'Stores that must hold every AIP', config.policy.copies);

  const byCopies = new Gauge({
    name: 'bevara_aips_by_good_copies',
    help: 'AIPs by the number of good copies the last complete audit found (after repairs)',
    labelNames: ['copies'],
    registers: [registry],
  });
  for (const [copies, n] of Object.entries(state.last?.byGoodCopies ?? {})) byCopies.set({ copies }, n);
  gauge('bevara_aips_without_good_copy', 'AIPs the last audit found with no good copy in any store', state.last?.unrepaired.length ?? 0);

  const age = new Gauge({
    name: 'bevara_audit_oldest_age_seconds',
    help: 'Seconds since the last complete audit of the store audited longest ago (+Inf: never audited)',
    registers: [registry],
  });
  const times = requiredStoreConfigs(config).map((s) => state.stores[s.name]?.lastComplete);
  age.set(times.some((t) => !t) || times.length === 0 ? Infinity : (now.getTime() - Math.min(...times.map((t) => Date.parse(t!)))) / 1000);
  gauge('bevara_audit_in_progress', '1 while an audit is unfinished (running or interrupted)', state.run ? 1 : 0);

  // totals kept in the audit state; exposed as gauges because they persist across processes
  gauge('bevara_audit_runs_total', 'Audits completed', state.totals.runs);
  gauge('bevara_audit_copies_checked_total', 'Copies re-hashed by audits', state.totals.copiesChecked);
  gauge('bevara_fixity_failures_total', 'Copies found bad or missing', state.totals.failures);
  gauge('bevara_repairs_total', 'Copies repaired from a good copy', state.totals.repairs);
  return (await registry.metrics()) + (await archive.ingestMetrics.text());
}

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { Archive } from '../archive/archive.ts';
import { runAudit } from '../fixity/audit.ts';
import { jsonLogger } from './log.ts';
import { renderMetrics } from './metrics.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

it('renders copies, audit age, failures and repairs in Prometheus text, from the audit state', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bevara-metrics-'));
  dirs.push(dir);
  const archive = await Archive.init(path.join(dir, 'a'), { keySubject: 'CN=metrics test' });
  await archive.createAip({
    label: 'm',
    files: [{ path: 'submission/x.txt', source: Buffer.from('x') }],
    events: [{ type: 'ingestion', detail: 't', outcome: 'success', agents: [{ id: 'bevara' }] }],
    message: 'm',
    user: { name: 't' },
  });
  const before = await renderMetrics(archive);
  expect(before).toMatch(/^bevara_aips 1$/m);
  expect(before).toMatch(/^bevara_audit_oldest_age_seconds \+Inf$/m);

  const lines: string[] = [];
  const report = await runAudit(archive, { logger: jsonLogger((l) => lines.push(l)) });
  expect(report.ok).toBe(true);
  expect(lines).toEqual([]);
  const after = await renderMetrics(archive, new Date(Date.now() + 60_000));
  expect(after).toMatch(/^bevara_aips_by_good_copies\{copies="1"\} 1$/m);
  expect(after).toMatch(/^bevara_audit_runs_total 1$/m);
  expect(after).toMatch(/^bevara_fixity_failures_total 0$/m);
  const age = Number(/^bevara_audit_oldest_age_seconds (\S+)$/m.exec(after)?.[1]);
  expect(age).toBeGreaterThan(55);
  expect(age).toBeLessThan(120);

  // a flipped byte with a single copy: unrepairable, logged as JSON and counted
  const root = path.join(archive.paths.defaultStore, archive.show(archive.list()[0]!.id).objectRoot);
  const f = path.join(root, 'v1', 'content', 'submission', 'x.txt');
  fs.writeFileSync(f, 'y');
  const bad = await runAudit(archive, { repair: true, logger: jsonLogger((l) => lines.push(l)) });
  expect(bad.ok).toBe(false);
  const parsed = lines.map((l) => JSON.parse(l) as { level: string; msg: string });
  expect(parsed.map((p) => p.level)).toEqual(['warn', 'error']);
  const text = await renderMetrics(archive);
  expect(text).toMatch(/^bevara_fixity_failures_total 1$/m);
  expect(text).toMatch(/^bevara_aips_without_good_copy 1$/m);
  await archive.close();
});

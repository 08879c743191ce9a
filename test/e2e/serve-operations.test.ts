/**
 * Issue 8, operations: a real `bevara serve` child process over an archive with two local stores. Its
 * audit schedule audits at start (never audited = due), repairs a flipped byte once the cycle comes
 * round again, never runs two audits at once (nor alongside `bevara audit`, which gives up with S-028), logs one JSON object a line, and stops cleanly on
 * SIGTERM in the middle of a slow audit (which the next audit resumes). /metrics shows copies per
 * AIP, the oldest audit's age, failures, repairs, and the ingest of a package sent over HTTP.
 */
import fs from 'node:fs';
import path from 'node:path';
import { generatePackage } from '../../packages/ingest/src/generator/generate.ts';
import { writeZip } from '../../packages/ingest/src/generator/writers.ts';
import { Archive } from '@bevara/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bevaraIn, jsonError, jsonLines } from '../support/cli.ts';
import { serve } from './support/serve.ts';
import { createSampleAip, sampleFiles, tempDir, twoCopyArchive } from './support/archive.ts';

const metric = (text: string, name: string): number => {
  const m = new RegExp(`^${name.replace(/[{}"]/g, (c) => `\\${c}`)} (\\S+)$`, 'm').exec(text);
  if (!m) throw new Error(`no metric ${name} in:\n${text}`);
  return Number(m[1]);
};

describe('bevara serve: /metrics and the audit schedule', () => {
  let base: string;
  let dir: string;
  const ids: string[] = [];

  beforeAll(async () => {
    base = tempDir('serve-ops');
    dir = await twoCopyArchive(base);
    const archive = await Archive.open(dir);
    try {
      for (const seed of ['one', 'two']) ids.push((await createSampleAip(archive, seed, sampleFiles(seed, 3))).id);
    } finally {
      await archive.close();
    }
  });
  afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

  it('audits at start and again when the cycle comes round, repairing a flipped byte; metrics follow', async () => {
    const s = await serve(dir, ['--audit-check', '200']);
    try {
      const first = await s.until((l) => l.msg === 'audit finished');
      expect(first).toMatchObject({ level: 'info', ok: true, stores: [{ store: 'local', copies: 2, good: 2 }, { store: 'second', copies: 2, good: 2 }] });
      let text = await (await fetch(`${s.base}/metrics`)).text();
      expect(metric(text, 'bevara_aips_by_good_copies{copies="2"}')).toBe(2);
      expect(metric(text, 'bevara_audit_runs_total')).toBe(1);
      expect(metric(text, 'bevara_audit_oldest_age_seconds')).toBeLessThan(60);
      expect(metric(text, 'bevara_fixity_failures_total')).toBe(0);

      // a byte flips in the second store; nothing happens until the cycle says the stores are due again
      const objectRoot = jsonLines((await bevaraIn(dir, ['show', ids[0]!, '--json'])).stdout)[0]!.objectRoot as string;
      const file = path.join(base, 'second', objectRoot, 'v1/content/submission/representations/rep1/data/one-001.txt');
      const bytes = fs.readFileSync(file);
      bytes[10] = bytes[10]! ^ 0x01;
      fs.writeFileSync(file, bytes);
      const mark = s.logs.length;
      await new Promise((r) => setTimeout(r, 600));
      expect(s.logs.slice(mark).filter((l) => l.msg === 'audit started')).toEqual([]);
      const stateFile = path.join(dir, 'audit-state.json');
      const state = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as { stores: Record<string, { lastComplete: string }> };
      for (const st of Object.values(state.stores)) st.lastComplete = new Date(Date.now() - 91 * 86_400_000).toISOString();
      fs.writeFileSync(stateFile, JSON.stringify(state));

      const second = await s.until((l) => l.msg === 'audit finished', mark);
      expect(second).toMatchObject({ ok: true, stores: [{ store: 'local', failed: 0 }, { store: 'second', failed: 1, repaired: 1 }] });
      expect(s.logs.slice(mark).some((l) => l.level === 'warn' && l.msg === 'fixity check failed' && l.store === 'second')).toBe(true);
      expect(fs.readFileSync(file)[10]).toBe(bytes[10]! ^ 0x01);
      text = await (await fetch(`${s.base}/metrics`)).text();
      expect(metric(text, 'bevara_fixity_failures_total')).toBe(1);
      expect(metric(text, 'bevara_repairs_total')).toBe(1);
      expect(metric(text, 'bevara_aips_by_good_copies{copies="2"}')).toBe(2);

      // an ingest over HTTP is timed and counted
      const token = jsonLines((await bevaraIn(dir, ['tokens', 'create', '--submitter', 'hr-system', '--json'])).stdout)[0]!.token as string;
      const zip = path.join(base, 'sip.zip');
      await writeZip(generatePackage({ profile: 'fgs12', seed: 'ops', organisation: 'Exempelby kommun', cases: 1 }), zip);
      const posted = await fetch(`${s.base}/api/v1/submissions`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: fs.readFileSync(zip) });
      expect(posted.status).toBe(202);
      const { id } = (await posted.json()) as { id: string };
      for (let i = 0; i < 300; i++) {
        const view = (await (await fetch(`${s.base}/api/v1/submissions/${id}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { status: string };
        if (view.status === 'archived' || view.status === 'rejected' || view.status === 'failed') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      // The decision is visible before the ingest's last steps (audit entry, spool removal) end its timer.
      for (let i = 0; i < 50; i++) {
        text = await (await fetch(`${s.base}/metrics`)).text();
        if (metric(text, 'bevara_ingest_queue_depth') === 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(metric(text, 'bevara_ingest_duration_seconds_count')).toBe(1);
      expect(metric(text, 'bevara_ingest_queue_depth')).toBe(0);
      expect((await fetch(`${s.base}/healthz`)).status).toBe(200);
    } finally {
      expect(await s.stop()).toBe(0);
    }
    // never two audits at once: every start is followed by its end before the next start
    const sequence = s.logs.filter((l) => l.msg === 'audit started' || String(l.msg).startsWith('audit finished')).map((l) => l.msg === 'audit started');
    expect(sequence.length).toBeGreaterThanOrEqual(4);
    sequence.forEach((started, i) => expect(started).toBe(i % 2 === 0));
    const verify = await bevaraIn(dir, ['verify', '--json']);
    expect(verify.code, verify.stdout).toBe(0);
  });

  it('SIGTERM in the middle of a slow audit stops at once with the position saved; the next audit resumes', async () => {
    expect((await bevaraIn(dir, ['policy', 'set', '--audit-rate', '1024'])).code).toBe(0);
    fs.rmSync(path.join(dir, 'audit-state.json'));
    const s = await serve(dir, ['--audit-check', '60000']);
    await s.until((l) => l.msg === 'audit started');
    await new Promise((r) => setTimeout(r, 1500));
    // one audit at a time: a command gives up at once while the server audits
    const meanwhile = await bevaraIn(dir, ['audit', '--json']);
    expect(meanwhile.code, meanwhile.stderr).toBe(2);
    expect(jsonError(meanwhile)).toMatchObject({ code: 'S-028' });
    const t0 = Date.now();
    expect(await s.stop()).toBe(0);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(s.logs.some((l) => l.msg === 'audit paused for shutdown; the next start resumes it')).toBe(true);
    expect(s.logs.some((l) => l.msg === 'audit finished')).toBe(false);
    const state = JSON.parse(fs.readFileSync(path.join(dir, 'audit-state.json'), 'utf8')) as { run: { cursor: string | null } | null };
    expect(state.run).not.toBeNull();

    expect((await bevaraIn(dir, ['policy', 'set', '--audit-rate', String(1024 ** 3)])).code).toBe(0);
    const audit = await bevaraIn(dir, ['audit', '--repair', '--json']);
    expect(audit.code, audit.stdout + audit.stderr).toBe(0);
    expect(jsonLines(audit.stdout).at(-1)).toMatchObject({ type: 'summary', resumed: true, ok: true });
  });
});

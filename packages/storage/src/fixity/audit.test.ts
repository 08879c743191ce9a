import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { Archive } from '../archive/archive.ts';
import { objectRootFor } from '../ocfl/layout.ts';
import { verifyObject } from '../verify/object.ts';
import { runAudit } from './audit.ts';
import { AUDIT_STATE_FILE, readAuditState, storesDue, writeAuditState } from './state.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'bevara-audit-'));
  dirs.push(d);
  return d;
}

const file = (name: string, text: string) => {
  const bytes = Buffer.from(text);
  return { path: `submission/data/${name}`, source: bytes, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
};

/** Two local stores, both required, with three AIPs. */
async function archiveWithCopies(): Promise<{ archive: Archive; second: string; ids: string[] }> {
  const dir = path.join(tempDir(), 'archive');
  const second = path.join(tempDir(), 'second');
  const archive = await Archive.init(dir, { keySubject: 'CN=audit test' });
  await archive.addStore({ name: 'second', type: 'local', path: second }, { create: true });
  await archive.setPolicy({ copies: 2 });
  const ids: string[] = [];
  for (const n of [1, 2, 3]) {
    const aip = await archive.createAip({
      label: `AIP ${n}`,
      files: [file('a.txt', `content ${n} `.repeat(100)), file('b.txt', `more ${n}`)],
      events: [{ type: 'ingestion', detail: 'test', outcome: 'success', agents: [{ id: 'bevara' }] }],
      message: 'ingest',
      user: { name: 'test' },
    });
    ids.push(aip.id);
  }
  return { archive, second, ids };
}

function contentFile(storeRoot: string, id: string): string {
  return path.join(storeRoot, objectRootFor(id), 'v1', 'content', 'submission', 'data', 'a.txt');
}

async function expectAllCopiesIntact(archive: Archive, ids: string[]): Promise<void> {
  for (const store of archive.requiredStores) {
    for (const id of ids) {
      const v = await verifyObject(store, objectRootFor(id), archive.trustedCertificates(), id);
      expect(v.findings, `${store.name} ${id}`).toEqual([]);
    }
  }
}

describe('fixity audit', () => {
  it('finds every copy good, records the run and sets the cycle clock', async () => {
    const { archive, ids } = await archiveWithCopies();
    const report = await runAudit(archive);
    expect(report.ok).toBe(true);
    expect(report.stores.map((s) => [s.store, s.copies, s.good, s.failed])).toEqual([
      ['local', 3, 3, 0],
      ['second', 3, 3, 0],
    ]);
    expect(report.log.ok).toBe(true);
    const state = readAuditState(archive.paths.dir);
    expect(state.run).toBeNull();
    expect(state.last?.byGoodCopies).toEqual({ '2': 3 });
    expect(storesDue(state, ['local', 'second'], 90)).toEqual([]);
    expect(storesDue(state, ['local', 'second'], 90, new Date(Date.now() + 91 * 86_400_000))).toEqual(['local', 'second']);
    await expectAllCopiesIntact(archive, ids);
    await archive.close();
  });

  it('a flipped byte is found (BV-CNT-2); --repair mends it from the good copy and records a PREMIS event', async () => {
    const { archive, second, ids } = await archiveWithCopies();
    const target = contentFile(second, ids[1]!);
    const bytes = fs.readFileSync(target);
    bytes[10] = bytes[10]! ^ 0x01;
    fs.writeFileSync(target, bytes);

    const found = await runAudit(archive);
    expect(found.ok).toBe(false);
    expect(found.stores[1]).toMatchObject({ store: 'second', failed: 1, repaired: 0 });
    expect(found.stores[1]!.findings.map((f) => [f.aip, f.code])).toEqual([[ids[1], 'BV-CNT-2']]);

    const mended = await runAudit(archive, { repair: true });
    expect(mended.ok).toBe(true);
    expect(mended.stores[1]).toMatchObject({ failed: 1, repaired: 1 });
    const detail = archive.show(ids[1]!);
    expect(detail.head).toBe('v2');
    const events = detail.events.map((e) => [e.type, e.outcome, e.version]);
    expect(events).toContainEqual(['fixity check', 'failure', 'v2']);
    expect(events).toContainEqual(['replication', 'success', 'v2']);
    expect((await runAudit(archive)).ok).toBe(true);
    await expectAllCopiesIntact(archive, ids);
    await archive.close();
  });

  it('a copy gone missing from the primary is restored from the other store', async () => {
    const { archive, ids } = await archiveWithCopies();
    fs.rmSync(path.join(archive.paths.defaultStore, objectRootFor(ids[0]!)), { recursive: true });
    const report = await runAudit(archive, { repair: true });
    expect(report.stores[0]!.findings.map((f) => f.code)).toContain('BV-INV-1');
    expect(report.stores[0]).toMatchObject({ failed: 1, repaired: 1 });
    expect(report.ok).toBe(true);
    await expectAllCopiesIntact(archive, ids);
    await archive.close();
  });

  it('with no good copy left it says so and does not pretend (exit 1 material)', async () => {
    const { archive, second, ids } = await archiveWithCopies();
    for (const root of [archive.paths.defaultStore, second]) {
      const f = contentFile(root, ids[2]!);
      fs.writeFileSync(f, Buffer.concat([fs.readFileSync(f), Buffer.from('x')]));
    }
    const report = await runAudit(archive, { repair: true });
    expect(report.ok).toBe(false);
    expect(report.unrepaired).toEqual([ids[2]]);
    expect(archive.show(ids[2]!).head).toBe('v1');
    const types: string[] = [];
    for await (const e of archive.audit.entries()) types.push(e.type);
    expect(types.filter((t) => t === 'fixity.failed')).toHaveLength(2);
    expect(readAuditState(archive.paths.dir).totals.repairs).toBe(0);
    await archive.close();
  });

  it('an audit killed midway resumes at the saved position and counts every copy once', async () => {
    const { archive, ids } = await archiveWithCopies();
    await expect(
      runAudit(archive, {
        batchSize: 1,
        onBatch: (done) => {
          if (done === 2) throw new Error('killed');
        },
      }),
    ).rejects.toThrow('killed');
    const saved = readAuditState(archive.paths.dir).run;
    expect(saved?.cursor).not.toBeNull();
    expect(saved?.reports.local?.copies).toBe(2);

    const seen: number[] = [];
    const report = await runAudit(archive, { batchSize: 1, onBatch: (d) => seen.push(d) });
    expect(report.resumed).toBe(true);
    expect(seen).toEqual([3]);
    expect(report.stores.map((s) => s.copies)).toEqual([3, 3]);
    expect(report.ok).toBe(true);
    await expectAllCopiesIntact(archive, ids);
    await archive.close();
  });

  it('an audit state that cannot be read is S-027, not one to start afresh from; one that is not a state is S-006', () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, AUDIT_STATE_FILE));
    expect(() => readAuditState(dir)).toThrow(expect.objectContaining({ code: 'S-027' }));
    fs.rmdirSync(path.join(dir, AUDIT_STATE_FILE));
    fs.writeFileSync(path.join(dir, AUDIT_STATE_FILE), '{"format":"other"}');
    expect(() => readAuditState(dir)).toThrow(expect.objectContaining({ code: 'S-006' }));
  });

  it('an audit state that cannot be saved is S-027, and leaves no temporary file', () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, AUDIT_STATE_FILE, 'in-the-way'), { recursive: true });
    expect(() => writeAuditState(dir, readAuditState(tempDir()))).toThrow(expect.objectContaining({ code: 'S-027' }));
    expect(fs.readdirSync(dir)).toEqual([AUDIT_STATE_FILE]);
  });

  it('an edited audit-log entry fails the audit', async () => {
    const { archive } = await archiveWithCopies();
    const entries = path.join(archive.paths.defaultStore, 'extensions', 'bevara-audit-log', 'entries');
    const first = path.join(entries, fs.readdirSync(entries).sort()[1]!);
    fs.writeFileSync(first, fs.readFileSync(first, 'utf8').replace('"type":"', '"type":"x'));
    const report = await runAudit(archive);
    expect(report.log.ok).toBe(false);
    expect(report.log.problems.join('\n')).toMatch(/entry 2/);
    expect(report.ok).toBe(false);
    await archive.close();
  });

  it('--store counts a copy in another store as good only when an audit checked it (never audited: not counted)', async () => {
    const { archive } = await archiveWithCopies();
    const report = await runAudit(archive, { store: 'local' });
    expect(report.ok).toBe(true);
    // the second store's copies were never audited: nothing is known of them
    expect(report.byGoodCopies).toEqual({ '1': 3 });
    expect(readAuditState(archive.paths.dir).last?.byGoodCopies).toEqual({ '1': 3 });
    await archive.close();
  });

  it('--store takes the other store from its last complete audit: its bad copies, later versions and an expired cycle do not count', async () => {
    const { archive, second, ids } = await archiveWithCopies();
    const target = contentFile(second, ids[1]!);
    const bytes = fs.readFileSync(target);
    bytes[3] = bytes[3]! ^ 0x40;
    fs.writeFileSync(target, bytes);
    // inventory dates have whole seconds: the full audit must begin in a later second than the AIPs
    await sleep(1010 - (Date.now() % 1000));
    const full = await runAudit(archive);
    expect(full.stores[1]).toMatchObject({ store: 'second', good: 2, failed: 1 });
    expect(full.byGoodCopies).toEqual({ '2': 2, '1': 1 });

    await archive.createAip({
      label: 'after the audit',
      files: [file('c.txt', 'written after the last audit of second')],
      events: [],
      message: 'ingest',
      user: { name: 'test' },
    });
    const local = await runAudit(archive, { store: 'local' });
    expect(local.stores.map((s) => [s.store, s.copies, s.good])).toEqual([['local', 4, 4]]);
    // ids[0] and ids[2]: good in second's last audit; ids[1]: bad there; the new AIP: never audited there
    expect(local.byGoodCopies).toEqual({ '2': 2, '1': 2 });
    expect(readAuditState(archive.paths.dir).stores.second?.notGood).toEqual([ids[1]]);

    const stateFile = path.join(archive.paths.dir, 'audit-state.json');
    const state = readAuditState(archive.paths.dir);
    state.stores.second!.lastComplete = new Date(Date.now() - 91 * 86_400_000).toISOString();
    fs.writeFileSync(stateFile, JSON.stringify(state));
    expect((await runAudit(archive, { store: 'local' })).byGoodCopies).toEqual({ '1': 4 });
    await archive.close();
  });

  it('honours the rate limit', async () => {
    const { archive } = await archiveWithCopies();
    const t0 = Date.now();
    const report = await runAudit(archive, { bytesPerSecond: 32_768 });
    const bytes = report.stores.reduce((n, s) => n + s.bytes, 0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual((bytes / 32_768) * 1000 - 50);
    await archive.close();
  });
});

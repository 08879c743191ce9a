/**
 * The fixity audit: every copy of every AIP in the required stores is checked completely (OCFL
 * structure, inventories, every version's signature, every content file re-hashed against the signed
 * inventory), object by object in sorted order, with the position saved after every batch so a killed
 * audit resumes. A bad or missing copy is, with `repair`, rewritten from a copy that passed; the repair
 * is recorded in the audit log and as PREMIS events in a new AIP version. An AIP with no good copy
 * left is reported as such and nothing is written to it.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PremisEvent } from '../aip/model.ts';
import type { Archive, Progress } from '../archive/archive.ts';
import type { BlobStore } from '../blobstore/store.ts';
import { StorageError } from '../errors.ts';
import { ObjectReader } from '../ocfl/reader.ts';
import { syncObject } from '../replication/object-copy.ts';
import { SILENT, type Logger } from '../metrics/log.ts';
import type { Inventory } from '../ocfl/inventory.ts';
import type { TrustedCertificate } from '../signing/signer.ts';
import { inspectObject, verifyObject, type ObjectVerification } from '../verify/object.ts';
import { knownGoodFromLastAudit, readAuditState, writeAuditState, type AuditRun, type AuditState, type StoreReport, DEFAULT_CYCLE_DAYS } from './state.ts';

export interface AuditOptions {
  /** Audit only this store's copies (others are read only to repair it). */
  store?: string;
  repair?: boolean;
  /** Objects between two saves of the position (default 20). */
  batchSize?: number;
  /** Objects audited at once (default 8: a window waits for its slowest object, so a large file needs company); the position still moves in sorted order. */
  parallel?: number;
  /** Read rate limit; default the policy's `audit.bytesPerSecond`, else none. */
  bytesPerSecond?: number;
  actor?: string;
  progress?: Progress;
  /** Called after each saved batch with the number of objects done (for progress and tests of resumption). */
  onBatch?: (done: number) => void;
  /** Structured log lines for failures, repairs and AIPs with no good copy (metrics/log.ts). */
  logger?: Logger;
  /**
   * Stops the audit between two objects (a server shutting down): the position is saved first and the
   * promise rejects with the signal's reason; the next audit of the same stores resumes there.
   */
  signal?: AbortSignal;
}

export interface AuditReport {
  run: string;
  resumed: boolean;
  stores: StoreReport[];
  /** The audit log's own check: hash chain and signed checkpoints. */
  log: { ok: boolean; entries: number; problems: string[] };
  /** AIPs with no good copy in any required store. */
  unrepaired: string[];
  /**
   * AIPs by the number of copies known good: found good (or repaired) by this run, or, in a store this
   * run did not audit (--store), by that store's last complete audit within the cycle.
   */
  byGoodCopies: Record<string, number>;
  /** Every audited copy is good now (found good, or repaired). */
  ok: boolean;
}

export async function runAudit(archive: Archive, options: AuditOptions = {}): Promise<AuditReport> {
  const required = archive.requiredStores;
  if (options.store && !required.some((s) => s.name === options.store)) {
    throw new StorageError('S-006', `no required store named ${options.store} (stores the policy counts: ${required.map((s) => s.name).join(', ')})`, {
      store: options.store,
    });
  }
  const audited = options.store ? required.filter((s) => s.name === options.store) : [...required];
  for (const s of required) s.prepareDigests?.();
  const state = readAuditState(archive.paths.dir);
  const sameRun = state.run && sameStores(state.run.stores, audited) && state.run.repair === (options.repair ?? false);
  const resumed = sameRun === true;
  const run: AuditRun = resumed ? state.run! : newRun(audited, options.repair ?? false);
  state.run = run;
  writeAuditState(archive.paths.dir, state);
  // the signed start entry and the walk for object roots, together: each waits on the disk, not a core
  const [roots] = await Promise.all([
    allObjectRoots(required),
    resumed ? undefined : archive.record({ type: 'fixity.audit-started', ...(options.actor ? { actor: options.actor } : {}), data: { run: run.id, stores: run.stores, repair: run.repair } }),
  ]);
  const todo = roots.filter((r) => run.cursor === null || r > run.cursor);
  const rate = options.bytesPerSecond ?? archive.config.policy.audit?.bytesPerSecond;
  const throttle = rate ? makeThrottle(rate, options.signal) : async () => undefined;
  const batchSize = options.batchSize ?? 20;
  // never more at once than a batch: the position is saved at least every batch
  const parallel = Math.max(1, Math.min(options.parallel ?? 8, batchSize));
  // asked again for each object: a key another process makes current during a long audit signs versions it meets
  const trusted = (): readonly TrustedCertificate[] => archive.trustedCertificates();
  const cycleDays = archive.config.policy.audit?.cycleDays ?? DEFAULT_CYCLE_DAYS;
  let done = roots.length - todo.length;

  // With a signal, the state as it stood after the last whole window: a stop in the middle of an
  // object saves that, so the resumed audit neither skips nor counts twice the object it cut short.
  let lastWhole = options.signal ? JSON.stringify(state) : '';
  try {
    // A few objects at a time: one object's small files leave the disk and the hash idle between
    // opens, and several in flight keep both busy. The cursor moves only past a whole window.
    for (let i = 0; i < todo.length; i += parallel) {
      options.signal?.throwIfAborted();
      const window = todo.slice(i, i + parallel);
      options.progress?.(done, roots.length, window[0]);
      const settled = await Promise.allSettled(window.map((root) => auditObject(archive, root, required, audited, run, state, trusted, throttle, cycleDays)));
      const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      run.cursor = window[window.length - 1]!;
      const before = done;
      done += window.length;
      if (options.signal) lastWhole = JSON.stringify(state);
      if (Math.floor(done / batchSize) > Math.floor(before / batchSize) || i + parallel >= todo.length) {
        writeAuditState(archive.paths.dir, state);
        options.onBatch?.(done);
      }
    }
  } catch (e) {
    if (options.signal?.aborted) writeAuditState(archive.paths.dir, JSON.parse(lastWhole) as AuditState);
    throw e;
  }
  options.progress?.(roots.length, roots.length);

  const log = await archive.verifyLog();
  const logReport = { ok: log.ok, entries: log.entries, problems: log.problems.map((p) => `entry ${p.seq} ${p.kind}: ${p.message}`) };
  const logger = options.logger ?? SILENT;
  for (const r of reports0(run)) for (const f of r.findings) logger.log('warn', 'fixity check failed', { ...f });
  for (const id of run.unrepaired) logger.log('error', 'no good copy of this AIP is left in any store', { aip: id });
  if (!log.ok) logger.log('error', 'the audit log does not verify', { problems: logReport.problems });
  const finished = new Date().toISOString();
  for (const s of run.stores) {
    state.stores[s] = { lastComplete: finished, started: run.started, ...(run.notGood ? { notGood: run.notGood[s] ?? [] } : {}) };
  }
  state.totals.runs++;
  state.last = { finished, unrepaired: run.unrepaired, byGoodCopies: run.byGoodCopies };
  state.run = null;
  writeAuditState(archive.paths.dir, state);
  const reports = run.stores.map((s) => run.reports[s]!);
  const ok = run.unrepaired.length === 0 && reports.every((r) => r.failed === r.repaired) && log.ok;
  await archive.record({
    type: 'fixity.audit-finished',
    ...(options.actor ? { actor: options.actor } : {}),
    data: {
      run: run.id,
      ok,
      log: log.ok,
      stores: Object.fromEntries(reports.map((r) => [r.store, { copies: r.copies, good: r.good, failed: r.failed, repaired: r.repaired }])),
      unrepaired: run.unrepaired,
    },
  });
  return { run: run.id, resumed, stores: reports, log: logReport, unrepaired: run.unrepaired, byGoodCopies: run.byGoodCopies, ok };
}

function reports0(run: AuditRun): StoreReport[] {
  return run.stores.map((s) => run.reports[s]!);
}

function newRun(stores: readonly BlobStore[], repair: boolean): AuditRun {
  const reports: Record<string, StoreReport> = {};
  for (const s of stores) reports[s.name] = { store: s.name, copies: 0, good: 0, failed: 0, repaired: 0, bytes: 0, findings: [] };
  const notGood = Object.fromEntries(stores.map((s) => [s.name, [] as string[]]));
  return { id: randomUUID(), started: new Date().toISOString(), stores: stores.map((s) => s.name), repair, cursor: null, reports, unrepaired: [], byGoodCopies: {}, notGood };
}

function sameStores(names: string[], stores: readonly BlobStore[]): boolean {
  return names.length === stores.length && names.every((n, i) => n === stores[i]!.name);
}

/** Every object root in any required store: a copy missing from one store is found from another. */
async function allObjectRoots(stores: readonly BlobStore[]): Promise<string[]> {
  const roots = new Set<string>();
  for (const store of stores) for await (const root of new ObjectReader(store).objectRoots()) roots.add(root);
  return [...roots].sort();
}

async function auditObject(
  archive: Archive,
  root: string,
  required: readonly BlobStore[],
  audited: readonly BlobStore[],
  run: AuditRun,
  state: AuditState,
  trusted: () => readonly TrustedCertificate[],
  throttle: (bytes: number) => Promise<void>,
  cycleDays: number,
): Promise<void> {
  const results = new Map<string, ObjectVerification>();
  // the inventory of a copy found good, for the head version's date
  let goodInventory: Inventory | undefined;
  const check = async (store: BlobStore): Promise<ObjectVerification> => {
    let v = results.get(store.name);
    if (!v) {
      const inspected = await inspectObject(store, root, trusted());
      v = inspected.verification;
      if (v.ok) goodInventory ??= inspected.inventory;
      await throttle(v.bytes);
      results.set(store.name, v);
    }
    return v;
  };
  const bad: BlobStore[] = [];
  let id = root;
  for (const store of audited) {
    const v = await check(store);
    const report = run.reports[store.name]!;
    report.copies++;
    report.bytes += v.bytes;
    state.totals.copiesChecked++;
    if (v.head) id = v.id;
    if (v.ok) {
      report.good++;
      continue;
    }
    report.failed++;
    state.totals.failures++;
    bad.push(store);
  }
  if (bad.length > 0) {
    // a good copy may sit in a store this run does not audit (--store): look there too
    for (const store of required) await check(store);
    for (const v of results.values()) if (v.head) id = v.id;
    for (const store of bad) {
      for (const f of results.get(store.name)!.findings) {
        run.reports[store.name]!.findings.push({ aip: id, store: store.name, code: f.code, message: f.message, ...(f.path ? { path: f.path } : {}) });
      }
      await archive.record({ type: 'fixity.failed', subject: id, data: { store: store.name, codes: [...new Set(results.get(store.name)!.findings.map((f) => f.code))] } });
    }
  }
  // A copy counts as good only when something checked it: this run, or the store's last complete audit
  // (when this run audits other stores only). Stores left unchecked here are those of a run with --store
  // whose audited copies were all good, so goodInventory is set.
  const headCreated = goodInventory?.versions[goodInventory.head]?.created;
  const goodStores = required.filter((s) =>
    results.has(s.name)
      ? results.get(s.name)!.ok
      : headCreated !== undefined && knownGoodFromLastAudit(state, s.name, id, headCreated, cycleDays),
  );
  if (bad.length > 0 && run.repair) {
    const source = required.find((s) => results.get(s.name)?.ok === true);
    if (source) {
      const repaired = await repairCopies(archive, root, id, source, bad, trusted);
      for (const store of repaired) {
        run.reports[store.name]!.repaired++;
        state.totals.repairs++;
        goodStores.push(store);
      }
    }
  }
  if (run.notGood) for (const store of bad) if (!goodStores.includes(store)) run.notGood[store.name]?.push(id);
  if (bad.length > 0 && !required.some((s) => results.get(s.name)?.ok === true)) run.unrepaired.push(id);
  const key = String(goodStores.length);
  run.byGoodCopies[key] = (run.byGoodCopies[key] ?? 0) + 1;
}

/**
 * Rewrites each bad copy from `source` (which passed), checks it again, and records the repair: an
 * audit-log entry per copy, then one new AIP version whose PREMIS document holds the failed fixity
 * checks and the repairs. Returns the stores whose copy is good now.
 */
async function repairCopies(
  archive: Archive,
  root: string,
  id: string,
  source: BlobStore,
  bad: readonly BlobStore[],
  trusted: () => readonly TrustedCertificate[],
): Promise<BlobStore[]> {
  const repaired: BlobStore[] = [];
  const events: PremisEvent[] = [];
  const now = new Date();
  await archive.exclusive(async (locked) => {
    const inv = await new ObjectReader(source).inventoryAt(root);
    if (!inv) return;
    for (const store of bad) {
      const copied = await syncObject(source, store, root, inv, { mode: 'repair', retry: archive.replicaSet.retry });
      const again = await verifyObject(store, root, trusted(), id);
      if (!again.ok) continue;
      repaired.push(store);
      await locked.record({ type: 'fixity.repaired', subject: id, data: { store: store.name, from: source.name, files: copied.length } });
      events.push(
        { type: 'fixity check', dateTime: now, detail: `copy in store ${store.name} did not match the signed inventory`, outcome: 'failure' as const, agents: [{ id: 'bevara', role: 'executing program' }] },
        { type: 'replication', dateTime: now, detail: `copy in store ${store.name} rewritten from store ${source.name} (${copied.length} files) and checked again`, outcome: 'success' as const, agents: [{ id: 'bevara', role: 'executing program' }] },
      );
    }
  });
  if (events.length > 0) {
    await archive.addVersion(id, { files: [], events, message: `fixity audit: repaired ${repaired.map((s) => s.name).join(', ')}`, user: { name: 'bevara audit' } });
  }
  return repaired;
}

/** Sleeps so that the bytes read since the start average at most `rate` per second; a stop cuts the sleep short. */
function makeThrottle(rate: number, signal?: AbortSignal): (bytes: number) => Promise<void> {
  const start = Date.now();
  let total = 0;
  return async (bytes) => {
    total += bytes;
    const due = start + (total / rate) * 1000;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait, undefined, signal ? { signal } : {});
  };
}

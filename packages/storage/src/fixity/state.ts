/**
 * What the fixity audit remembers between runs, in `audit-state.json` in the archive folder: the run
 * in progress (so a killed audit resumes where it stopped), when each store was last audited in full
 * (the cycle), and running totals for the metrics. It is working state, not truth: deleting it only
 * makes the next audit start from the beginning.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isNoSpaceError, StorageError } from '../errors.ts';

export const AUDIT_STATE_FILE = 'audit-state.json';

/** Every copy is due for an audit this often unless the policy says otherwise. */
export const DEFAULT_CYCLE_DAYS = 90;

export interface CopyFinding {
  aip: string;
  store: string;
  code: string;
  message: string;
  path?: string;
}

export interface StoreReport {
  store: string;
  /** Copies looked at (one per AIP). */
  copies: number;
  good: number;
  /** Copies found bad or missing (before any repair). */
  failed: number;
  repaired: number;
  bytes: number;
  findings: CopyFinding[];
}

export interface AuditRun {
  id: string;
  started: string;
  stores: string[];
  repair: boolean;
  /** The last object root completed; objects are audited in sorted order. */
  cursor: string | null;
  reports: Record<string, StoreReport>;
  /** AIPs with no good copy left. */
  unrepaired: string[];
  /** AIPs audited so far, by how many copies are known good after the audit (and repairs). */
  byGoodCopies: Record<string, number>;
  /** Per audited store, the AIPs whose copy there is bad and was not repaired (absent in runs begun before it existed). */
  notGood?: Record<string, string[]>;
}

/** What the last complete audit of one store established. */
export interface StoreAudit {
  lastComplete: string;
  /** When that audit began: versions created before it were checked by it (absent in older state files). */
  started?: string;
  /** AIPs whose copy in this store that audit left bad (absent in older state files: nothing is known). */
  notGood?: string[];
}

export interface AuditState {
  format: 'bevara-audit-state/1';
  run: AuditRun | null;
  stores: Record<string, StoreAudit>;
  totals: { runs: number; copiesChecked: number; failures: number; repairs: number };
  last: { finished: string; unrepaired: string[]; byGoodCopies: Record<string, number> } | null;
}

const EMPTY: AuditState = {
  format: 'bevara-audit-state/1',
  run: null,
  stores: {},
  totals: { runs: 0, copiesChecked: 0, failures: 0, repairs: 0 },
  last: null,
};

export function readAuditState(archiveDir: string): AuditState {
  const file = path.join(archiveDir, AUDIT_STATE_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return structuredClone(EMPTY);
    throw new StorageError('S-027', `cannot read ${file}: ${(e as Error).message}`, { path: file }, { cause: e });
  }
  try {
    const parsed = JSON.parse(text) as AuditState;
    if (parsed.format !== EMPTY.format) throw new Error(`unknown format ${String(parsed.format)}`);
    return parsed;
  } catch (e) {
    throw new StorageError('S-006', `${file} is not a Bevara audit state (${(e as Error).message}); delete it to start the next audit afresh`, { path: file });
  }
}

/**
 * Written to a temporary file, synced and renamed: a crash leaves the old state or the new one. A full disk is
 * S-025, any other file-system error S-027, and neither leaves the temporary file.
 */
export function writeAuditState(archiveDir: string, state: AuditState): void {
  const file = path.join(archiveDir, AUDIT_STATE_FILE);
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeSync(fd, JSON.stringify(state) + '\n');
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // the folder refuses this too; the error that stopped the save says why
    }
    if (isNoSpaceError(e)) throw new StorageError('S-025', `no space left to save the audit state ${file}`, { path: file }, { cause: e });
    throw new StorageError('S-027', `cannot save the audit state ${file}: ${(e as Error).message}`, { path: file }, { cause: e });
  }
}

/**
 * Whether the last complete audit of `store`, within the cycle, found its copy of AIP `id` good, with
 * the version the AIP has now (created at `headCreated`). An audit that began in the same second as the
 * version was created does not count: inventory dates have whole seconds.
 */
export function knownGoodFromLastAudit(state: AuditState, store: string, id: string, headCreated: string, cycleDays: number, now = new Date()): boolean {
  const last = state.stores[store];
  if (!last?.started || !last.notGood) return false;
  if (Date.parse(last.lastComplete) < now.getTime() - cycleDays * 86_400_000) return false;
  if (last.notGood.includes(id)) return false;
  return Date.parse(headCreated) < Math.floor(Date.parse(last.started) / 1000) * 1000;
}

/** Stores whose last complete audit is older than the cycle (or that were never audited). */
export function storesDue(state: AuditState, stores: readonly string[], cycleDays: number, now = new Date()): string[] {
  const limit = now.getTime() - cycleDays * 86_400_000;
  return stores.filter((s) => {
    const last = state.stores[s]?.lastComplete;
    return !last || Date.parse(last) < limit;
  });
}

/**
 * The archive folder's record of submissions (`<archive>/ingest/submissions/<id>/`): each one's state, its
 * validation report and its signed receipt, plus the index that makes ingest idempotent by (OBJID, package
 * SHA-256). Files are written to a temporary name, synced and renamed, so a crash leaves either the old or the
 * new state. Archived packages also carry their receipt inside the AIP; this folder is what a GET answers from,
 * and the only home of a rejected package's receipt.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isLiveProcess } from '@bevara/storage';
import { IngestError } from '../errors.ts';
import type { ValidationReport } from '../report/types.ts';
import type { Receipt, SignedReceipt } from '../submission/receipt.ts';

export type SubmissionStatus = 'received' | 'validating' | 'archiving' | 'archived' | 'rejected' | 'failed';

export interface SubmissionState {
  id: string;
  status: SubmissionStatus;
  submitter: string;
  agreement: string;
  deliveryId?: string;
  packageName?: string;
  packageId?: string;
  packageSha256?: string;
  receivedAt: string;
  decidedAt?: string;
  aip?: string;
  version?: string;
  /** A system failure (status 'failed'): the error's code and message. */
  error?: { code: string; message: string };
  /** The submitting token's webhook (HTTP submissions): a submission resumed after a restart still reports to it. */
  webhook?: string;
  /**
   * The process working on an undecided submission (set by every save until it is decided): a server leaves alone
   * one that a process still works on, itself (an upload, a drop-folder package), another server or a
   * `bevara ingest` (inProgress). `start` tells that process from a later one given the same number (Linux: boot id
   * and start time).
   */
  owner?: { pid: number; host: string; start?: string };
}

const UNDECIDED: ReadonlySet<SubmissionStatus> = new Set(['received', 'validating', 'archiving']);

/**
 * An undecided submission that a process on this host, this one included, is still working on: one with the
 * recorded number and, where it was recorded, the same start. Processes on other hosts (another container) are not
 * seen: the archive folder is one host's.
 */
export function inProgress(state: SubmissionState): boolean {
  const owner = state.owner;
  if (!owner || owner.host !== os.hostname()) return false;
  return owner.start !== undefined ? processStart(owner.pid) === owner.start : isLiveProcess(owner.pid);
}

/** When a process started, as Linux's /proc tells it (boot id and start time); undefined where there is no /proc. */
function processStart(pid: number): string | undefined {
  try {
    const boot = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the command's closing parenthesis start at the third; the start time is the 22nd
    return `${boot}:${stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]}`;
  } catch {
    return undefined;
  }
}

let self: SubmissionState['owner'];
/** This process as an owner, looked up once. */
function thisProcess(): NonNullable<SubmissionState['owner']> {
  if (self === undefined) {
    const start = processStart(process.pid);
    self = { pid: process.pid, host: os.hostname(), ...(start !== undefined ? { start } : {}) };
  }
  return self;
}

const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export class SubmissionLedger {
  private constructor(readonly dir: string) {}

  static open(archiveDir: string): SubmissionLedger {
    const dir = path.join(archiveDir, 'ingest');
    fs.mkdirSync(path.join(dir, 'submissions'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'by-package'), { recursive: true });
    return new SubmissionLedger(dir);
  }

  static newId(): string {
    return randomUUID();
  }

  static isId(id: string): boolean {
    return ID.test(id);
  }

  save(state: SubmissionState): void {
    if (!ID.test(state.id)) throw new IngestError('I-025', 'malformed submission id', { id: state.id });
    const dir = this.submissionDir(state.id);
    fs.mkdirSync(dir, { recursive: true });
    const { owner: _previous, ...rest } = state;
    const stamped = UNDECIDED.has(state.status) ? { ...rest, owner: thisProcess() } : rest;
    writeDurably(path.join(dir, 'submission.json'), JSON.stringify(stamped, null, 2) + '\n');
  }

  get(id: string): SubmissionState | undefined {
    if (!ID.test(id)) return undefined;
    const file = path.join(this.submissionDir(id), 'submission.json');
    if (!fs.existsSync(file)) return undefined;
    return readJson(file) as SubmissionState;
  }

  /** Stores report and receipt, then the decided state, then the idempotency key: each step safe to repeat. */
  decide(state: SubmissionState, report: ValidationReport, receipt: SignedReceipt): void {
    const dir = this.submissionDir(state.id);
    fs.mkdirSync(dir, { recursive: true });
    writeDurably(path.join(dir, 'report.json'), JSON.stringify(report) + '\n');
    writeDurably(path.join(dir, 'receipt.xml'), receipt.xml);
    writeDurably(path.join(dir, 'receipt.xml.p7s'), receipt.xmlSignature);
    writeDurably(path.join(dir, 'receipt.json'), receipt.json);
    writeDurably(path.join(dir, 'receipt.json.p7s'), receipt.jsonSignature);
    this.save(state);
    if (state.packageId !== undefined && state.packageSha256 !== undefined) {
      // An archived package is archived whoever sends it again; a rejection may depend on the agreement
      // (updates, format policy), so it is remembered per agreement.
      const agreement = state.status === 'archived' ? undefined : state.agreement;
      writeDurably(this.keyFile(state.packageId, state.packageSha256, agreement), state.id + '\n');
    }
  }

  /** The decided submission of the same package (same OBJID and SHA-256): archived, or rejected under this agreement. */
  findDecided(packageId: string, sha256: string, agreement: string): string | undefined {
    for (const file of [this.keyFile(packageId, sha256), this.keyFile(packageId, sha256, agreement)]) {
      if (!fs.existsSync(file)) continue;
      const id = fs.readFileSync(file, 'utf8').trim();
      if (ID.test(id)) return id;
    }
    return undefined;
  }

  report(id: string): ValidationReport | undefined {
    const file = path.join(this.submissionDir(id), 'report.json');
    return ID.test(id) && fs.existsSync(file) ? (readJson(file) as ValidationReport) : undefined;
  }

  receipt(id: string): SignedReceipt | undefined {
    const dir = this.submissionDir(id);
    if (!ID.test(id) || !fs.existsSync(path.join(dir, 'receipt.json'))) return undefined;
    const json = fs.readFileSync(path.join(dir, 'receipt.json'));
    return {
      receipt: JSON.parse(json.toString('utf8')) as Receipt,
      json,
      jsonSignature: fs.readFileSync(path.join(dir, 'receipt.json.p7s')),
      xml: fs.readFileSync(path.join(dir, 'receipt.xml')),
      xmlSignature: fs.readFileSync(path.join(dir, 'receipt.xml.p7s')),
    };
  }

  /** Submissions not yet decided (a crash or restart interrupted them). */
  undecided(): SubmissionState[] {
    const out: SubmissionState[] = [];
    for (const id of fs.readdirSync(path.join(this.dir, 'submissions'))) {
      const s = this.get(id);
      if (s && UNDECIDED.has(s.status)) out.push(s);
    }
    return out;
  }

  private submissionDir(id: string): string {
    return path.join(this.dir, 'submissions', id);
  }

  private keyFile(packageId: string, sha256: string, agreement?: string): string {
    const key = createHash('sha256').update(`${packageId}\u0000${sha256}${agreement === undefined ? '' : `\u0000${agreement}`}`).digest('hex');
    return path.join(this.dir, 'by-package', key);
  }
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new IngestError('I-026', `cannot read ${file}`, { path: file }, { cause });
  }
}

export function writeDurably(file: string, data: string | Buffer): void {
  const tmp = `${file}.tmp-${process.pid}-${randomUUID().slice(0, 8)}`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

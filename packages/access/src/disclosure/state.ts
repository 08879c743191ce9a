/**
 * Requests for disclosure as working state in the archive folder (`disclosure/requests/<ref>.json`,
 * `disclosure/archivists.json`). A request is not an archival record until it is decided: the decision
 * itself is kept in every AIP concerned (decide.ts), and every step is an audit-log entry, so this folder
 * is the case file of work in progress, never the only copy of a decision.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Archive } from '@bevara/storage';
import { DisclosureError } from './errors.ts';

export const REQUEST_FORMAT = 'bevara-disclosure-request/1';
/** Reference numbers: "U-2026-0001", the year it was received and a running number within it. */
export const REFERENCE = /^U-\d{4}-\d{4,6}$/;

export interface RequestedRecord {
  /** Public record id (r…). */
  id: string;
  objectId: string;
  aipId: string;
}

export interface DisclosureRequest {
  format: typeof REQUEST_FORMAT;
  reference: string;
  receivedAt: string;
  channel: 'public' | 'archivist';
  /** Who registered it: an archivist's name, or "public" for the web form and API. */
  registeredBy: string;
  requester: { name?: string; contact?: string };
  message?: string;
  records: RequestedRecord[];
  status: 'received' | 'decided' | 'delivered';
  /** Set by decide.ts: where the decision is kept (AIP id → version holding it). */
  decision?: { decidedAt: string; decidedBy: string; versions: Record<string, string> };
  deliveries: Array<{ at: string; by: string; sha256: string; files: number }>;
}

export function disclosureDir(archive: Archive): string {
  return path.join(archive.paths.dir, 'disclosure');
}

const requestsDir = (archive: Archive): string => path.join(disclosureDir(archive), 'requests');

/** Creates the request file under a new reference number; O_EXCL makes two writers never share one. */
export function createRequest(archive: Archive, fill: Omit<DisclosureRequest, 'format' | 'reference' | 'status' | 'deliveries'>): DisclosureRequest {
  const dir = requestsDir(archive);
  fs.mkdirSync(dir, { recursive: true });
  const year = fill.receivedAt.slice(0, 4);
  const taken = fs.readdirSync(dir).filter((f) => f.startsWith(`U-${year}-`)).map((f) => Number(f.slice(7, -5))).filter(Number.isFinite);
  let n = taken.length === 0 ? 1 : Math.max(...taken) + 1;
  for (;;) {
    const reference = `U-${year}-${String(n).padStart(4, '0')}`;
    const request: DisclosureRequest = { format: REQUEST_FORMAT, reference, status: 'received', deliveries: [], ...fill };
    try {
      writeNew(path.join(dir, `${reference}.json`), serialise(request));
      return request;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      n++;
    }
  }
}

export function readRequest(archive: Archive, reference: string): DisclosureRequest {
  if (!REFERENCE.test(reference)) throw new DisclosureError('A-102', `no disclosure request ${reference}`, { reference });
  const file = path.join(requestsDir(archive), `${reference}.json`);
  if (!fs.existsSync(file)) throw new DisclosureError('A-102', `no disclosure request ${reference}`, { reference });
  return parseRequest(fs.readFileSync(file), file);
}

export function listRequests(archive: Archive): DisclosureRequest[] {
  const dir = requestsDir(archive);
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir)
    .filter((f) => REFERENCE.test(f.slice(0, -5)) && f.endsWith('.json'))
    .sort()
    .map((f) => parseRequest(fs.readFileSync(path.join(dir, f)), path.join(dir, f)));
}

/** Replaces a request's file whole (temp file, fsync, rename), so a crash leaves the old or the new one. */
export function saveRequest(archive: Archive, request: DisclosureRequest): void {
  writeReplacing(path.join(requestsDir(archive), `${request.reference}.json`), serialise(request));
}

function serialise(request: DisclosureRequest): string {
  return JSON.stringify(request, null, 1) + '\n';
}

function parseRequest(bytes: Buffer, where: string): DisclosureRequest {
  let value: Partial<DisclosureRequest> | null;
  try {
    value = JSON.parse(bytes.toString('utf8')) as Partial<DisclosureRequest> | null;
  } catch (cause) {
    throw new DisclosureError('A-108', `${where}: not JSON`, { path: where }, { cause });
  }
  if (!value || value.format !== REQUEST_FORMAT || typeof value.reference !== 'string' || !Array.isArray(value.records) || !Array.isArray(value.deliveries)) {
    throw new DisclosureError('A-108', `${where}: not a ${REQUEST_FORMAT} document`, { path: where });
  }
  return value as DisclosureRequest;
}

function writeNew(file: string, text: string): void {
  const fd = fs.openSync(file, 'wx');
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export function writeReplacing(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    writeNew(tmp, text);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

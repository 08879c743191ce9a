/**
 * The bytes of the audit log: entry and checkpoint files, their names, and the canonical JSON
 * both are written in. The format itself is specified in the comment block at the top of log.ts.
 */
import { createHash } from 'node:crypto';
import { StorageError } from '../errors.ts';

export const DEFAULT_AUDIT_PREFIX = 'extensions/bevara-audit-log/';
/** `prev` of entry 1: there is no earlier file to hash. */
export const GENESIS_PREV = '0'.repeat(64);
/** Entries are small facts, not documents; the cap keeps reading one entry bounded. */
export const MAX_ENTRY_BYTES = 64 * 1024;
export const MAX_CHECKPOINT_BYTES = 4 * 1024;
/** Large enough for an RSA-4096 certificate chain and a signature, small enough to read whole. */
export const MAX_SIGNATURE_BYTES = 64 * 1024;
const SEQ_DIGITS = 12;
export const MAX_SEQ = 10 ** SEQ_DIGITS - 1;

const TYPE_PATTERN = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$/;
const MAX_TYPE_LENGTH = 64;
const MAX_NAME_LENGTH = 1024;
const SHA256_PATTERN = /^[0-9a-f]{64}$/;
const ENTRY_NAME_PATTERN = /^(\d{12})\.json$/;
const CHECKPOINT_NAME_PATTERN = /^(\d{12})\.json(\.p7s)?$/;

/** What a caller records: "aip.created", who did it, what it concerns, and small structured facts. */
export interface AuditEvent {
  type: string;
  actor?: string;
  subject?: string;
  data?: Record<string, unknown>;
}

/** One entry as stored, with the SHA-256 of its file (what the next entry's `prev` must be). */
export interface AuditEntry extends AuditEvent {
  seq: number;
  /** ISO 8601 UTC, milliseconds, as written by Date.toISOString(). */
  time: string;
  prev: string;
  sha256: string;
}

/** A signed statement "entry `seq` is the file whose SHA-256 is `sha256`". */
export interface CheckpointRecord {
  seq: number;
  sha256: string;
  time: string;
}

export function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function seqName(seq: number): string {
  return `${String(seq).padStart(SEQ_DIGITS, '0')}.json`;
}

/** The seq in an entry file's name, or null when the name is not one of ours. */
export function parseEntryName(name: string): number | null {
  const match = ENTRY_NAME_PATTERN.exec(name);
  return match?.[1] === undefined ? null : Number(match[1]);
}

/** The seq in a checkpoint file's name and whether it is the signature, or null. */
export function parseCheckpointName(name: string): { seq: number; signature: boolean } | null {
  const match = CHECKPOINT_NAME_PATTERN.exec(name);
  return match?.[1] === undefined ? null : { seq: Number(match[1]), signature: match[2] !== undefined };
}

function invalidEvent(message: string, detail: Record<string, string | number> = {}): StorageError {
  return new StorageError('S-024', `invalid audit event: ${message}`, detail);
}

/**
 * JSON with no whitespace and object keys sorted by UTF-16 code unit (the order of RFC 8785), so
 * the same facts always give the same bytes. Only JSON's own values are accepted: a Date, a
 * Buffer, `undefined` or NaN would be silently changed by JSON.stringify, so they are refused.
 */
export function canonicalJson(value: unknown, path = 'data'): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw invalidEvent(`${path} is not a finite number`, { path });
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((item, i) => canonicalJson(item, `${path}[${i}]`)).join(',')}]`;
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const record = value as Record<string, unknown>;
    const members = Object.keys(record)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key], `${path}.${key}`)}`);
    return `{${members.join(',')}}`;
  }
  throw invalidEvent(`${path} is not a JSON value`, { path });
}

function checkName(what: 'actor' | 'subject', value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || value === '' || value.length > MAX_NAME_LENGTH) {
    throw invalidEvent(`${what} must be a non-empty string of at most ${MAX_NAME_LENGTH} characters`, { field: what });
  }
}

/** Checks a caller's event; everything in it ends up in a permanent record. */
export function checkEvent(event: AuditEvent): void {
  if (typeof event !== 'object' || event === null) throw invalidEvent('not an object');
  if (typeof event.type !== 'string' || event.type.length > MAX_TYPE_LENGTH || !TYPE_PATTERN.test(event.type)) {
    throw invalidEvent('type must be dotted lower-case words such as "aip.created"', { field: 'type' });
  }
  checkName('actor', event.actor);
  checkName('subject', event.subject);
  if (event.data !== undefined && (typeof event.data !== 'object' || event.data === null || Array.isArray(event.data))) {
    throw invalidEvent('data must be an object', { field: 'data' });
  }
}

/** The exact bytes of an entry file: one line of canonical JSON, fields in a fixed order. */
export function encodeEntry(entry: Omit<AuditEntry, 'sha256'>): Buffer {
  const fields = [`"seq":${entry.seq}`, `"time":${JSON.stringify(entry.time)}`, `"type":${JSON.stringify(entry.type)}`];
  if (entry.actor !== undefined) fields.push(`"actor":${JSON.stringify(entry.actor)}`);
  if (entry.subject !== undefined) fields.push(`"subject":${JSON.stringify(entry.subject)}`);
  if (entry.data !== undefined) fields.push(`"data":${canonicalJson(entry.data)}`);
  fields.push(`"prev":${JSON.stringify(entry.prev)}`);
  return Buffer.from(`{${fields.join(',')}}\n`, 'utf8');
}

export function encodeCheckpoint(record: CheckpointRecord): Buffer {
  return Buffer.from(
    `{"seq":${record.seq},"sha256":${JSON.stringify(record.sha256)},"time":${JSON.stringify(record.time)}}\n`,
    'utf8',
  );
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: string };

function parseJsonObject(bytes: Buffer): Record<string, unknown> | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    return 'not JSON';
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'not a JSON object';
  return parsed as Record<string, unknown>;
}

function isSeq(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1 && value <= MAX_SEQ;
}

function isIsoTime(value: unknown): value is string {
  return typeof value === 'string' && !Number.isNaN(Date.parse(value)) && new Date(value).toISOString() === value;
}

/**
 * Reads an entry file's bytes. Anything but the exact bytes encodeEntry would write is refused:
 * a re-indented or re-ordered entry was not written by Bevara.
 */
export function decodeEntry(bytes: Buffer): Decoded<AuditEntry> {
  const fields = parseJsonObject(bytes);
  if (typeof fields === 'string') return { ok: false, reason: fields };
  const { seq, time, type, actor, subject, data, prev } = fields;
  if (!isSeq(seq)) return { ok: false, reason: 'seq is not a positive integer' };
  if (!isIsoTime(time)) return { ok: false, reason: 'time is not an ISO 8601 UTC timestamp' };
  if (typeof prev !== 'string' || !SHA256_PATTERN.test(prev)) return { ok: false, reason: 'prev is not a SHA-256' };
  const event = { type, actor, subject, data } as AuditEvent;
  try {
    checkEvent(event);
    const entry = { seq, time, prev, ...withoutUndefined(event) };
    if (!encodeEntry(entry).equals(bytes)) return { ok: false, reason: 'not in canonical form' };
    return { ok: true, value: { ...entry, sha256: sha256Hex(bytes) } };
  } catch (e) {
    if (e instanceof StorageError) return { ok: false, reason: e.message };
    throw e;
  }
}

export function decodeCheckpoint(bytes: Buffer): Decoded<CheckpointRecord> {
  const fields = parseJsonObject(bytes);
  if (typeof fields === 'string') return { ok: false, reason: fields };
  const { seq, sha256, time } = fields;
  if (!isSeq(seq)) return { ok: false, reason: 'seq is not a positive integer' };
  if (typeof sha256 !== 'string' || !SHA256_PATTERN.test(sha256)) return { ok: false, reason: 'sha256 is not a SHA-256' };
  if (!isIsoTime(time)) return { ok: false, reason: 'time is not an ISO 8601 UTC timestamp' };
  const record = { seq, sha256, time };
  if (!encodeCheckpoint(record).equals(bytes)) return { ok: false, reason: 'not in canonical form' };
  return { ok: true, value: record };
}

/** The event's fields without the absent ones, in the order callers read best. */
export function withoutUndefined(event: AuditEvent): AuditEvent {
  const out: AuditEvent = { type: event.type };
  if (event.actor !== undefined) out.actor = event.actor;
  if (event.subject !== undefined) out.subject = event.subject;
  if (event.data !== undefined) out.data = event.data;
  return out;
}

/**
 * The audit log: an append-only, hash-chained record of every change to the archive, kept in the
 * blob store beside the objects it describes, with signed checkpoints.
 *
 * FORMAT (copied into docs/storage-format.md)
 *
 * Layout, below a prefix of the storage root (default `extensions/bevara-audit-log/`):
 *
 *   entries/000000000001.json         one file per entry, named by its seq (12 digits)
 *   entries/000000000002.json
 *   ...
 *   checkpoints/000000000050.json     a signed statement about entry 50
 *   checkpoints/000000000050.json.p7s its detached CMS signature (DER)
 *
 * Entry file: exactly one line of canonical JSON followed by "\n", UTF-8, no other whitespace,
 * members in this order (actor, subject and data only when present):
 *
 *   {"seq":42,"time":"2025-03-01T10:15:00.000Z","type":"aip.created","actor":"anna",
 *    "subject":"urn:uuid:...","data":{...},"prev":"<64 hex>"}
 *
 *   - seq: 1, 2, 3, ... with no gaps; equal to the number in the file name.
 *   - time: UTC, ISO 8601 with milliseconds (JavaScript's Date.toISOString()).
 *   - type: dotted lower-case words: aip.created, aip.versioned, fixity.checked, disclosure,
 *     key.added, key.retired, config.changed, ...
 *   - data: a JSON object; keys at every depth sorted by UTF-16 code unit (RFC 8785 order).
 *   - prev: lower-case hex SHA-256 of the previous entry FILE's bytes (the whole line with its
 *     "\n"); 64 zeros for entry 1.
 *   An entry is at most 64 KiB.
 *
 * Checkpoint file: one line of canonical JSON followed by "\n":
 *
 *   {"seq":50,"sha256":"<64 hex>","time":"2025-03-01T10:20:00.000Z"}
 *
 *   sha256 is the SHA-256 of entries/<seq>.json. Because every entry names the hash of the one
 *   before, the signature over this line vouches for entries 1..seq. The .p7s is a detached CMS
 *   SignedData (SHA-256, signed attributes, the signing certificate embedded) over the .json bytes.
 *
 * Checking with stock tools, in the log folder:
 *
 *   sha256sum entries/000000000041.json      # equals "prev" in entries/000000000042.json
 *   grep -o '"prev":"[0-9a-f]*"' entries/000000000042.json
 *   sha256sum entries/000000000050.json      # equals "sha256" in checkpoints/000000000050.json
 *   openssl cms -verify -binary -inform DER -in checkpoints/000000000050.json.p7s \
 *     -content checkpoints/000000000050.json -CAfile archive-cert.pem -purpose any -out /dev/null
 *
 * Write order (crash safety; the archive's write lock makes this log single-writer):
 *   AUD-1  An entry file is written whole by the store (temp file + rename, or one S3 PUT); an
 *          existing entry file is never overwritten (S-023).
 *   AUD-2  The head (highest seq) is found by listing entries/; an entry whose write did not
 *          complete does not exist, so the next append takes its seq. A process may keep the head it
 *          found while the entry after it does not exist: other processes append too, each under the lock.
 *   AUD-3  A checkpoint's signature is written before its .json: a crash leaves at most an unused
 *          .p7s, which verification ignores, never an unsigned checkpoint.
 *
 * What verification detects (each problem names a seq): an entry whose bytes changed ('edited',
 * found by the next entry's prev or by a checkpoint), a missing entry ('removed'), an extra entry
 * ('inserted'), entries out of order ('reordered'), unreadable or renamed files ('malformed'), a
 * bad or missing checkpoint signature ('checkpoint-signature'), a checkpoint that disagrees with
 * its entry ('checkpoint-mismatch', e.g. a chain rewritten after the edit), and entries vouched for
 * by a checkpoint but gone from the end ('truncated').
 * What it cannot detect: a change to entries after the last checkpoint made together with every
 * later entry, and the removal of the newest entries together with the checkpoints that cover
 * them. Frequent checkpoints, a copy of the latest checkpoint kept outside the archive, and S3
 * object lock close these gaps.
 */
import type { BlobStore } from '../blobstore/store.ts';
import { StorageError } from '../errors.ts';
import type { Signer } from '../signing/signer.ts';
import { ChainChecker, type AuditProblem, type ChainLink } from './chain.ts';
import { signedCheckpoints, type Checkpoint, type VerifySignature } from './checkpoints.ts';
import {
  checkEvent,
  decodeEntry,
  DEFAULT_AUDIT_PREFIX,
  encodeCheckpoint,
  encodeEntry,
  GENESIS_PREV,
  MAX_ENTRY_BYTES,
  MAX_SEQ,
  parseEntryName,
  seqName,
  sha256Hex,
  withoutUndefined,
  type AuditEntry,
  type AuditEvent,
  type CheckpointRecord,
} from './format.ts';
import { readAhead, readSmall, type SmallBlob } from './read.ts';

// the module's public surface: the API, and the types its signatures use
export type { AuditEntry, AuditEvent } from './format.ts';
export { DEFAULT_AUDIT_PREFIX } from './format.ts';
export type { AuditProblem, AuditProblemKind } from './chain.ts';
export type { Checkpoint, VerifySignature } from './checkpoints.ts';

export interface AuditLogOptions {
  /** Where the log lives in the store; ends in '/'. */
  prefix?: string;
}

export interface AuditVerification {
  ok: boolean;
  /** Entry files read. */
  entries: number;
  /** The seq of the last entry in the chain (0 for an empty log). */
  lastSeq: number;
  /** The newest checkpoint whose signature verified. */
  lastCheckpoint?: Checkpoint;
  /** Entries after the last verified checkpoint: only the chain vouches for them. */
  uncheckpointed: number;
  /** Sorted by seq; at most `maxProblems` of them. */
  problems: AuditProblem[];
  /** Problems found beyond `maxProblems`: counted, not kept, to keep memory bounded. */
  omittedProblems: number;
}

export interface VerifyOptions {
  maxProblems?: number;
}

interface Head {
  seq: number;
  sha256: string;
}

const DEFAULT_MAX_PROBLEMS = 1000;
/** Entry files read at once while verifying (each at most MAX_ENTRY_BYTES). */
const READ_AHEAD = 16;

export class AuditLog {
  readonly prefix: string;
  /** The newest entry, known after the first append or checkpoint; dropped after a failed write. */
  #head: Head | undefined;
  /** Appends and checkpoints of one instance run one after another, never interleaved. */
  #queue: Promise<unknown> = Promise.resolve();
  /** Temp files of writes cut short (a killed writer) were removed, before this writer's first write. */
  #swept = false;

  constructor(
    private readonly store: BlobStore,
    options: AuditLogOptions = {},
  ) {
    const prefix = options.prefix ?? DEFAULT_AUDIT_PREFIX;
    if (typeof prefix !== 'string' || !prefix.endsWith('/') || prefix.startsWith('/')) {
      throw new StorageError('S-017', `audit log prefix must be a relative folder ending in "/": ${String(prefix)}`, {
        prefix: String(prefix),
      });
    }
    this.prefix = prefix;
  }

  /** Records one event as the next entry and returns it as stored. */
  append(event: AuditEvent): Promise<AuditEntry> {
    return this.#serialized(() => this.#append(event));
  }

  /** Signs a statement about the newest entry, vouching for the whole chain up to it. */
  checkpoint(signer: Signer): Promise<Checkpoint> {
    return this.#serialized(() => this.#checkpoint(signer));
  }

  /** Every entry in file order. An unreadable entry stops the walk with S-013: run verify(). */
  async *entries(): AsyncIterable<AuditEntry> {
    for await (const { key, name, blob } of this.#entryFiles()) {
      if (!blob) continue;
      const decoded = blob.bytes ? decodeEntry(blob.bytes) : { ok: false as const, reason: `larger than ${MAX_ENTRY_BYTES} bytes` };
      if (!decoded.ok) {
        throw new StorageError('S-013', `audit log entry ${key} is unreadable: ${decoded.reason}`, { key, seq: name });
      }
      yield decoded.value;
    }
  }

  /**
   * Checks the whole log in one pass, in bounded memory: the chain of entries, every checkpoint's
   * signature, and each checkpoint against its entry. Problems are collected, never thrown.
   */
  async verify(verifySignature: VerifySignature, options: VerifyOptions = {}): Promise<AuditVerification> {
    const problems = new ProblemList(options.maxProblems ?? DEFAULT_MAX_PROBLEMS);
    const checker = new ChainChecker((problem) => problems.add(problem));
    const checkpoints = signedCheckpoints(this.store, this.#folder('checkpoints'), verifySignature, (problem) =>
      problems.add(problem),
    )[Symbol.asyncIterator]();
    let next = await checkpoints.next();
    let lastCheckpoint: Checkpoint | undefined;

    // settled entries arrive in seq order, as do checkpoints: one merge pass compares them
    const compare = async (settled: ChainLink[]): Promise<void> => {
      for (const link of settled) {
        while (!next.done && next.value.seq <= link.seq) {
          const checkpoint = next.value;
          lastCheckpoint = checkpoint;
          if (checkpoint.seq === link.seq && checkpoint.sha256 !== link.hash && !link.reported) {
            link.reported = true;
            problems.add({
              seq: link.name,
              kind: 'checkpoint-mismatch',
              message: `entries/${seqName(link.name)} does not match signed checkpoint ${checkpoint.seq}: this entry or the chain up to it was rewritten`,
            });
          }
          next = await checkpoints.next();
        }
      }
    };

    let entries = 0;
    for await (const file of this.#entryFiles()) {
      if (!file.blob) {
        problems.add({ seq: 0, kind: 'malformed', message: `${file.key} is not an entry file name (12 digits + .json)` });
        continue;
      }
      entries += 1;
      await compare(checker.push(this.#link(file.key, file.name, file.blob, problems)));
    }
    await compare(checker.finish());

    const lastSeq = checker.lastSeq;
    let coveredUpTo = 0;
    for (; !next.done; next = await checkpoints.next()) {
      lastCheckpoint = next.value;
      coveredUpTo = next.value.seq;
    }
    if (coveredUpTo > lastSeq) {
      problems.add({
        seq: lastSeq + 1,
        kind: 'truncated',
        message: `entries ${lastSeq + 1} to ${coveredUpTo} are missing, yet signed checkpoint ${coveredUpTo} covers them`,
      });
    }
    const result = problems.result();
    const verification: AuditVerification = {
      ok: result.problems.length === 0 && result.omitted === 0,
      entries,
      lastSeq,
      uncheckpointed: Math.max(0, lastSeq - (lastCheckpoint?.seq ?? 0)),
      problems: result.problems,
      omittedProblems: result.omitted,
    };
    if (lastCheckpoint) verification.lastCheckpoint = lastCheckpoint;
    return verification;
  }

  /** The files in entries/ in listing order, each read unless its name is not an entry's. */
  async *#entryFiles(): AsyncIterable<{ key: string; name: number; blob: SmallBlob } | { key: string; name: null; blob?: undefined }> {
    const folder = this.#folder('entries');
    yield* readAhead(this.store.list(folder), READ_AHEAD, async (key) => {
      const name = parseEntryName(key.slice(folder.length));
      return name === null ? { key, name } : { key, name, blob: await readSmall(this.store, key, MAX_ENTRY_BYTES) };
    });
  }

  #folder(name: 'entries' | 'checkpoints'): string {
    return `${this.prefix}${name}/`;
  }

  /**
   * The log's first write in this process removes what a writer killed in the middle of an entry or a checkpoint
   * left under temp names: appends and checkpoints run under the archive's write lock, so none is live.
   */
  async #sweepOnce(): Promise<void> {
    if (this.#swept) return;
    await this.store.removeIncomplete?.(this.prefix);
    this.#swept = true;
  }

  #serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #append(event: AuditEvent): Promise<AuditEntry> {
    checkEvent(event);
    await this.#sweepOnce();
    const head = await this.#currentHead();
    const seq = head.seq + 1;
    if (seq > MAX_SEQ) throw new StorageError('S-024', `audit log is full at entry ${head.seq}`, { seq: head.seq });
    const entry = { seq, time: new Date().toISOString(), ...withoutUndefined(event), prev: head.sha256 };
    const bytes = encodeEntry(entry);
    if (bytes.length > MAX_ENTRY_BYTES) {
      throw new StorageError('S-024', `invalid audit event: ${bytes.length} bytes is more than ${MAX_ENTRY_BYTES}`, {
        size: bytes.length,
      });
    }
    const sha256 = sha256Hex(bytes);
    await this.#writeNew(`${this.#folder('entries')}${seqName(seq)}`, bytes, sha256);
    this.#head = { seq, sha256 };
    return { ...entry, sha256 };
  }

  async #checkpoint(signer: Signer): Promise<Checkpoint> {
    await this.#sweepOnce();
    const head = await this.#currentHead();
    if (head.seq === 0) throw new StorageError('S-001', 'the audit log has no entries to checkpoint', { prefix: this.prefix });
    const record: CheckpointRecord = { seq: head.seq, sha256: head.sha256, time: new Date().toISOString() };
    const bytes = encodeCheckpoint(record);
    const key = `${this.#folder('checkpoints')}${seqName(head.seq)}`;
    if (await this.store.stat(key)) {
      throw new StorageError('S-023', `audit log checkpoint ${key} already exists`, { key });
    }
    const signature = signer.signDetached(bytes);
    // signature first (AUD-3): a crash between the two leaves an unused .p7s, not an unsigned checkpoint
    await this.store.put(`${key}.p7s`, signature, { size: signature.length, contentType: 'application/pkcs7-signature' });
    await this.#writeNew(key, bytes, sha256Hex(bytes));
    return { ...record, signer: signer.fingerprint };
  }

  /** Writes an object that must not exist yet; any failure forgets the cached head (AUD-2). */
  async #writeNew(key: string, bytes: Buffer, sha256: string): Promise<void> {
    try {
      if (await this.store.stat(key)) {
        throw new StorageError('S-023', `audit log object ${key} already exists; another writer or a stale head`, { key });
      }
      await this.store.put(key, bytes, {
        size: bytes.length,
        expected: { size: bytes.length, sha256 },
        contentType: 'application/json',
      });
    } catch (e) {
      this.#head = undefined;
      throw e;
    }
  }

  /**
   * The newest entry by listing (AUD-2). Kept between appends, and trusted while the entry after it does not exist:
   * another process (a command while a server runs) may have appended since, under the same write lock.
   */
  async #currentHead(): Promise<Head> {
    if (this.#head && !(await this.store.stat(`${this.#folder('entries')}${seqName(this.#head.seq + 1)}`))) return this.#head;
    const folder = this.#folder('entries');
    let last: { key: string; seq: number } | undefined;
    for await (const key of this.store.list(folder)) {
      const seq = parseEntryName(key.slice(folder.length));
      if (seq !== null && (!last || seq > last.seq)) last = { key, seq };
    }
    // chain to the newest file as it is, even if damaged: verify() reports the damage, and the
    // new entry records exactly what it followed
    const head = last
      ? { seq: last.seq, sha256: (await readSmall(this.store, last.key, 0)).sha256 }
      : { seq: 0, sha256: GENESIS_PREV };
    this.#head = head;
    return head;
  }

  /** One entry file as the chain check needs it; an unreadable one is reported here. */
  #link(key: string, name: number, blob: SmallBlob, problems: ProblemList): ChainLink {
    const link: ChainLink = { name, seq: name, prev: null, hash: blob.sha256, reported: false, broken: false };
    const decoded = blob.bytes ? decodeEntry(blob.bytes) : { ok: false as const, reason: `larger than ${MAX_ENTRY_BYTES} bytes` };
    if (decoded.ok) {
      link.seq = decoded.value.seq;
      link.prev = decoded.value.prev;
    } else {
      link.reported = true;
      problems.add({ seq: name, kind: 'malformed', message: `${key} is unreadable: ${decoded.reason}` });
    }
    return link;
  }
}

/** Problems in memory up to a limit, the rest only counted. */
class ProblemList {
  readonly #problems: AuditProblem[] = [];
  #omitted = 0;

  constructor(private readonly limit: number) {}

  add(problem: AuditProblem): void {
    if (this.#problems.length < this.limit) this.#problems.push(problem);
    else this.#omitted += 1;
  }

  result(): { problems: AuditProblem[]; omitted: number } {
    const problems = [...this.#problems].sort((a, b) => a.seq - b.seq);
    return { problems, omitted: this.#omitted };
  }
}


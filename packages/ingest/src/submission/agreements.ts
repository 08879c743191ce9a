/**
 * Submission agreements (leveransöverenskommelser) and the tokens business systems submit with, kept in the
 * archive folder (`ingest/agreements.json`, `ingest/tokens.json`). Tokens are stored only as their SHA-256;
 * the token itself is shown once, when created. Every change is audit-logged by the archive.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Archive } from '@bevara/storage';
import { IngestError } from '../errors.ts';
import { writeDurably } from '../pipeline/ledger.ts';
import type { Agreement } from '../pipeline/types.ts';

/** The embedded default: detected profile, format policy as warnings, no updates. */
export const DEFAULT_AGREEMENT: Agreement = { id: 'default', name: 'Default agreement', strictFormats: false, allowUpdates: false };

export interface TokenRecord {
  id: string;
  /** SHA-256 of the token, hex. */
  sha256: string;
  submitter: string;
  agreement: string;
  created: string;
  /** Called with the outcome of each submission (POST, JSON). */
  webhook?: string;
}

/** What a valid token grants. */
export interface Submitter {
  name: string;
  agreement: Agreement;
  webhook?: string;
}

const AGREEMENT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export class SubmissionRegistry {
  private constructor(private readonly dir: string, private readonly archive: Archive) {}

  static open(archive: Archive): SubmissionRegistry {
    const dir = path.join(archive.paths.dir, 'ingest');
    fs.mkdirSync(dir, { recursive: true });
    return new SubmissionRegistry(dir, archive);
  }

  agreements(): Agreement[] {
    const stored = this.read<Agreement[]>('agreements.json', []);
    return stored.some((a) => a.id === DEFAULT_AGREEMENT.id) ? stored : [DEFAULT_AGREEMENT, ...stored];
  }

  agreement(id: string): Agreement {
    const found = this.agreements().find((a) => a.id === id);
    if (!found) throw new IngestError('I-017', `no submission agreement ${id}`, { agreement: id });
    return found;
  }

  async addAgreement(input: { id: string; name: string; reference?: string; strictFormats?: boolean; allowUpdates?: boolean }, actor: string): Promise<Agreement> {
    if (!AGREEMENT_ID.test(input.id)) throw new IngestError('I-025', 'agreement id must be 1-64 letters, digits, ".", "_" or "-"', { agreement: input.id });
    if (input.name.trim() === '') throw new IngestError('I-025', 'agreement name must not be empty', { agreement: input.id });
    const reference = input.reference?.trim();
    if (reference !== undefined && (reference === '' || reference.length > 200)) throw new IngestError('I-025', 'agreement reference must be 1-200 characters', { agreement: input.id });
    const agreement: Agreement = { id: input.id, name: input.name.trim(), ...(reference !== undefined ? { reference } : {}), strictFormats: input.strictFormats ?? false, allowUpdates: input.allowUpdates ?? false };
    // checked and added under the write lock: two commands at once would each write the list without the other's
    return this.archive.exclusive(async (locked) => {
      if (this.agreements().some((a) => a.id === input.id)) throw new IngestError('I-024', `agreement ${input.id} exists already`, { agreement: input.id });
      if (reference !== undefined && this.agreements().some((a) => a.reference === reference || a.id === reference)) {
        throw new IngestError('I-024', `another agreement is cited as ${reference} already`, { agreement: input.id });
      }
      this.write('agreements.json', [...this.read<Agreement[]>('agreements.json', []), agreement]);
      await locked.record({ type: 'agreement.added', actor, subject: agreement.id, data: { ...agreement } });
      return agreement;
    });
  }

  /** Creates a token for a submitter under an agreement; returns the token, which is not stored. */
  async createToken(input: { submitter: string; agreement?: string; webhook?: string }, actor: string): Promise<{ token: string; record: TokenRecord }> {
    const submitter = input.submitter.trim();
    if (submitter === '' || submitter.length > 200) throw new IngestError('I-025', 'submitter name must be 1-200 characters', {});
    const agreement = this.agreement(input.agreement ?? DEFAULT_AGREEMENT.id);
    if (input.webhook !== undefined && !/^https?:\/\/[^\s]+$/.test(input.webhook)) throw new IngestError('I-025', 'webhook must be an http(s) URL', {});
    const id = randomUUID();
    const token = `bvt_${randomBytes(32).toString('base64url')}`;
    const record: TokenRecord = { id, sha256: sha256(token), submitter, agreement: agreement.id, created: new Date().toISOString(), ...(input.webhook ? { webhook: input.webhook } : {}) };
    // added under the write lock: two commands at once would each write the list without the other's token
    await this.archive.exclusive(async (locked) => {
      this.write('tokens.json', [...this.read<TokenRecord[]>('tokens.json', []), record]);
      await locked.record({ type: 'token.created', actor, subject: id, data: { submitter, agreement: agreement.id } });
    });
    return { token, record };
  }

  /** The submitter a bearer token stands for; I-018 when it is unknown. */
  authenticate(token: string | undefined): Submitter {
    if (!token) throw new IngestError('I-018', 'a bearer token is required', {});
    const digest = Buffer.from(sha256(token), 'hex');
    const record = this.read<TokenRecord[]>('tokens.json', []).find((t) => timingSafeEqual(Buffer.from(t.sha256, 'hex'), digest));
    if (!record) throw new IngestError('I-018', 'unknown submission token', {});
    return { name: record.submitter, agreement: this.agreement(record.agreement), ...(record.webhook ? { webhook: record.webhook } : {}) };
  }

  private read<T>(file: string, fallback: T): T {
    const p = path.join(this.dir, file);
    if (!fs.existsSync(p)) return fallback;
    try {
      return JSON.parse(fs.readFileSync(p, 'utf8')) as T;
    } catch (cause) {
      throw new IngestError('I-026', `cannot read ${p}`, { path: p }, { cause });
    }
  }

  private write(file: string, value: unknown): void {
    writeDurably(path.join(this.dir, file), JSON.stringify(value, null, 2) + '\n');
  }
}

/**
 * Whether a package may be submitted under an agreement, judged by the agreement it cites in its METS
 * (metsHdr/altRecordID TYPE="SUBMISSIONAGREEMENT"). It may when it cites nothing (the token binds it), cites the
 * agreement's id or reference, or, under an agreement that sets no reference, cites a free text that names no
 * other known agreement. Returns the refusal (I-027) otherwise.
 */
export function agreementRefusal(cited: string | undefined, agreement: Agreement, known: readonly Agreement[]): IngestError | undefined {
  if (cited === undefined || cited === agreement.id || cited === agreement.reference) return undefined;
  const other = known.find((a) => a.id !== agreement.id && (a.id === cited || a.reference === cited));
  if (agreement.reference === undefined && other === undefined) return undefined;
  const expected = agreement.reference ?? agreement.id;
  return new IngestError('I-027', `the package cites submission agreement "${cited}"${other ? ` (agreement ${other.id})` : ''}, but it is submitted under agreement ${agreement.id} ("${expected}")`, { agreement: agreement.id, cited });
}

function sha256(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}

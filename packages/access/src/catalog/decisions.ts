/**
 * An archivist's secrecy decisions about the records of one AIP, kept as a Bevara-written file in the AIP
 * itself so that `bevara catalog rebuild` restores them from storage alone. Each decision-making version
 * writes the whole list again (earlier decisions first, the new one last); for a record, its last
 * decision replaces the markings of the ERMS metadata: `set` withholds it under the given ground,
 * `clear` releases it.
 */
import { AccessError } from '../errors.ts';

/** Logical path of the decisions file inside the AIP. */
export const DECISIONS_PATH = 'metadata/bevara/secrecy-decisions.json';
export const DECISIONS_FORMAT = 'bevara-secrecy-decisions/1';

export interface SecrecyDecision {
  /** The record's ERMS object id (ArkivobjektID / objectId), e.g. "SN 2024/0101-2". */
  record: string;
  action: 'set' | 'clear';
  /** The legal ground of a `set`, e.g. "OSL 26 kap. 1 §". */
  ground?: string;
  /** For a `set`: the date the secrecy runs from when it is not the record's date. */
  from?: string;
  reason: string;
  decidedAt: string;
  decidedBy: string;
}

export interface DecisionsFile {
  format: typeof DECISIONS_FORMAT;
  decisions: SecrecyDecision[];
}

export function serialiseDecisions(decisions: readonly SecrecyDecision[]): Buffer {
  const file: DecisionsFile = { format: DECISIONS_FORMAT, decisions: [...decisions] };
  return Buffer.from(JSON.stringify(file, null, 1) + '\n', 'utf8');
}

/** Reads and checks a decisions file; anything malformed is A-007, never silently ignored. */
export function parseDecisions(bytes: Buffer, where: string): SecrecyDecision[] {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new AccessError('A-007', `${where}: not JSON: ${(e as Error).message}`, { path: where });
  }
  const file = value as Partial<DecisionsFile> | null;
  if (!file || file.format !== DECISIONS_FORMAT || !Array.isArray(file.decisions)) {
    throw new AccessError('A-007', `${where}: not a ${DECISIONS_FORMAT} document`, { path: where });
  }
  return file.decisions.map((d, i) => checkDecision(d, `${where} decision ${i + 1}`, 'A-007'));
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Checks one decision's shape; `code` is A-005 for input from a person, A-007 for a stored file. */
export function checkDecision(d: unknown, where: string, code: 'A-005' | 'A-007'): SecrecyDecision {
  const x = (d ?? {}) as Record<string, unknown>;
  const text = (k: string) => (typeof x[k] === 'string' && (x[k] as string).trim() !== '' ? (x[k] as string) : undefined);
  const fail = (what: string): never => {
    throw new AccessError(code, `${where}: ${what}`, { where });
  };
  const record = text('record') ?? fail('no record');
  const action = x['action'] === 'set' || x['action'] === 'clear' ? x['action'] : fail('action must be "set" or "clear"');
  const reason = text('reason') ?? fail('no reason');
  const decidedAt = text('decidedAt') ?? fail('no decision time');
  if (Number.isNaN(Date.parse(decidedAt))) fail(`decision time "${decidedAt}" is not a date`);
  const decidedBy = text('decidedBy') ?? fail('no decider');
  const ground = text('ground');
  if (action === 'set' && ground === undefined) fail('a "set" decision needs a legal ground');
  const from = text('from');
  if (from !== undefined && !DATE.test(from)) fail(`"from" must be YYYY-MM-DD, not "${from}"`);
  return {
    record,
    action,
    ...(action === 'set' ? { ground: ground! } : {}),
    ...(action === 'set' && from ? { from } : {}),
    reason,
    decidedAt,
    decidedBy,
  };
}

/** Each record's last decision. */
export function lastDecisions(decisions: readonly SecrecyDecision[]): Map<string, SecrecyDecision> {
  const last = new Map<string, SecrecyDecision>();
  for (const d of decisions) last.set(d.record, d);
  return last;
}

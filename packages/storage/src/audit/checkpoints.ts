/**
 * Reading the signed checkpoints of the audit log for verification: each `N.json` with its
 * `N.json.p7s`, in seq order, yielding those whose signature verifies and reporting the rest.
 */
import type { BlobStore } from '../blobstore/store.ts';
import type { SignatureCheck } from '../signing/signer.ts';
import type { AuditProblem } from './chain.ts';
import {
  decodeCheckpoint,
  MAX_CHECKPOINT_BYTES,
  MAX_SIGNATURE_BYTES,
  parseCheckpointName,
  type CheckpointRecord,
} from './format.ts';
import { readAhead, readSmall, type SmallBlob } from './read.ts';

/** A checkpoint as written or as found valid: which entry, its hash, and who signed it. */
export interface Checkpoint extends CheckpointRecord {
  /** The signer's certificate fingerprint (lower-case hex SHA-256 of its DER), as the verifier names it. */
  signer: string;
}

/** Checks a detached signature; the caller passes `(s, d) => verifyDetached(s, d, trusted)`. */
export type VerifySignature = (signature: Buffer, data: Buffer) => SignatureCheck;

type Report = (problem: AuditProblem) => void;

/**
 * The checkpoints below `folder` in seq order whose signatures verify. Listing order puts
 * "N.json" right before "N.json.p7s", so pairs are found with one key of lookahead; a few pairs are
 * read ahead of the one being verified.
 */
export async function* signedCheckpoints(
  store: BlobStore,
  folder: string,
  verifySignature: VerifySignature,
  report: Report,
): AsyncIterable<Checkpoint> {
  // an unsigned checkpoint is reported without reading it
  const read = async (pair: CheckpointFiles): Promise<CheckpointFiles & { read?: ReadPair }> => {
    if (pair.signatureKey === null) return pair;
    const [data, signature] = await Promise.all([readSmall(store, pair.json.key, MAX_CHECKPOINT_BYTES), readSmall(store, pair.signatureKey, MAX_SIGNATURE_BYTES)]);
    return { ...pair, read: { data, signature } };
  };
  for await (const { json, signatureKey, read: files } of readAhead(checkpointFiles(store, folder, report), READ_AHEAD, read)) {
    const checked =
      signatureKey && files
        ? checkOne(json, signatureKey, files, verifySignature)
        : { kind: 'checkpoint-signature' as const, message: `${json.key} has no signature (.p7s)` };
    if ('signer' in checked) yield checked;
    else report({ seq: json.seq, ...checked });
  }
}

/** Checkpoint pairs read at once (a .json of at most 4 KiB and its signature of a few KiB). */
const READ_AHEAD = 8;

interface CheckpointFiles {
  json: { key: string; seq: number };
  /** The .p7s beside it, or null when it has none. */
  signatureKey: string | null;
}

interface ReadPair {
  data: SmallBlob;
  signature: SmallBlob;
}

/** Each checkpoint's .json with its .p7s, in listing (seq) order; badly named files are reported. */
async function* checkpointFiles(store: BlobStore, folder: string, report: Report): AsyncIterable<CheckpointFiles> {
  let unpaired: { key: string; seq: number } | undefined;
  for await (const key of store.list(folder)) {
    const parsed = parseCheckpointName(key.slice(folder.length));
    if (!parsed) {
      report({ seq: 0, kind: 'malformed', message: `${key} is not a checkpoint file name` });
      continue;
    }
    if (!parsed.signature) {
      if (unpaired) yield { json: unpaired, signatureKey: null };
      unpaired = { key, seq: parsed.seq };
    } else if (unpaired?.seq === parsed.seq) {
      yield { json: unpaired, signatureKey: key };
      unpaired = undefined;
    }
    // a .p7s without its .json is what a crash between the two writes leaves (AUD-3): ignored
  }
  if (unpaired) yield { json: unpaired, signatureKey: null };
}

/** The checkpoint its files hold, if it is signed and well-formed; else what is wrong with it. */
function checkOne(
  json: { key: string; seq: number },
  signatureKey: string,
  { data, signature }: ReadPair,
  verifySignature: VerifySignature,
): Checkpoint | Omit<AuditProblem, 'seq'> {
  if (!data.bytes) return { kind: 'malformed', message: `${json.key} is larger than ${MAX_CHECKPOINT_BYTES} bytes` };
  if (!signature.bytes) return { kind: 'checkpoint-signature', message: `${signatureKey} is larger than ${MAX_SIGNATURE_BYTES} bytes` };
  const check = verifySignature(signature.bytes, data.bytes);
  if (!check.ok) return { kind: 'checkpoint-signature', message: `${signatureKey} does not verify: ${check.reason}` };
  const decoded = decodeCheckpoint(data.bytes);
  if (!decoded.ok) return { kind: 'malformed', message: `${json.key} is signed but unreadable: ${decoded.reason}` };
  if (decoded.value.seq !== json.seq) {
    return { kind: 'checkpoint-mismatch', message: `${json.key} is signed for entry ${decoded.value.seq}, not ${json.seq}` };
  }
  return { ...decoded.value, signer: check.signer };
}

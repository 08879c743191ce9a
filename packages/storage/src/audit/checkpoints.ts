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
import { readSmall } from './read.ts';

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
 * "N.json" right before "N.json.p7s", so pairs are found with one key of lookahead.
 */
export async function* signedCheckpoints(
  store: BlobStore,
  folder: string,
  verifySignature: VerifySignature,
  report: Report,
): AsyncIterable<Checkpoint> {
  let unpaired: { key: string; seq: number } | undefined;
  for await (const key of store.list(folder)) {
    const parsed = parseCheckpointName(key.slice(folder.length));
    if (!parsed) {
      report({ seq: 0, kind: 'malformed', message: `${key} is not a checkpoint file name` });
      continue;
    }
    if (!parsed.signature) {
      if (unpaired) yield* checkOne(store, unpaired, null, verifySignature, report);
      unpaired = { key, seq: parsed.seq };
    } else if (unpaired?.seq === parsed.seq) {
      yield* checkOne(store, unpaired, key, verifySignature, report);
      unpaired = undefined;
    }
    // a .p7s without its .json is what a crash between the two writes leaves (AUD-3): ignored
  }
  if (unpaired) yield* checkOne(store, unpaired, null, verifySignature, report);
}

async function* checkOne(
  store: BlobStore,
  json: { key: string; seq: number },
  signatureKey: string | null,
  verifySignature: VerifySignature,
  report: Report,
): AsyncIterable<Checkpoint> {
  const problem = (kind: AuditProblem['kind'], message: string): void => report({ seq: json.seq, kind, message });
  if (!signatureKey) return problem('checkpoint-signature', `${json.key} has no signature (.p7s)`);
  const data = await readSmall(store, json.key, MAX_CHECKPOINT_BYTES);
  const signature = await readSmall(store, signatureKey, MAX_SIGNATURE_BYTES);
  if (!data.bytes) return problem('malformed', `${json.key} is larger than ${MAX_CHECKPOINT_BYTES} bytes`);
  if (!signature.bytes) return problem('checkpoint-signature', `${signatureKey} is larger than ${MAX_SIGNATURE_BYTES} bytes`);
  const check = verifySignature(signature.bytes, data.bytes);
  if (!check.ok) return problem('checkpoint-signature', `${signatureKey} does not verify: ${check.reason}`);
  const decoded = decodeCheckpoint(data.bytes);
  if (!decoded.ok) return problem('malformed', `${json.key} is signed but unreadable: ${decoded.reason}`);
  if (decoded.value.seq !== json.seq) {
    return problem('checkpoint-mismatch', `${json.key} is signed for entry ${decoded.value.seq}, not ${json.seq}`);
  }
  yield { ...decoded.value, signer: check.signer };
}

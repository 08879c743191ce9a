import { createHash } from 'node:crypto';
import type { BlobStore } from '../blobstore/store.ts';
import { absentAsNull } from '../errors.ts';
import { type Inventory, OBJECT_NAMASTE, parseInventory, parseSidecar, digestOf } from '../ocfl/inventory.ts';
import { objectRootFor } from '../ocfl/layout.ts';
import { readSmallObject } from '../blobstore/small-read.ts';
import { SIGNATURE_DIR } from '../ocfl/transaction.ts';
import { verifyDetached } from '../signing/cms.ts';
import type { TrustedCertificate } from '../signing/signer.ts';

/**
 * Finding codes of `bevara verify`, one per invariant of docs/storage-format.md ("Verification
 * codes"). Codes are only ever added.
 */
export const VERIFY_CODES = {
  'BV-OBJ-1': 'the object declaration 0=ocfl_object_1.1 is missing or wrong',
  'BV-OBJ-2': 'the object is not where the storage layout puts its id',
  'BV-INV-1': 'the root inventory is missing',
  'BV-INV-2': 'an inventory is not valid OCFL',
  'BV-INV-3': 'an inventory sidecar is missing or does not match the inventory',
  'BV-INV-4': 'a version inventory is missing or disagrees with the root inventory',
  'BV-SIG-1': 'a version has no signature',
  'BV-SIG-2': 'a version signature does not verify against the archive certificates',
  'BV-CNT-1': 'a content file named in the manifest is missing',
  'BV-CNT-2': 'a content file does not match its digest',
  'BV-CNT-3': 'a file in a version content folder is not in the manifest',
  'BV-STO-1': 'the store could not be read',
} as const;

export type VerifyCode = keyof typeof VERIFY_CODES;

export interface Finding {
  code: VerifyCode;
  message: string;
  path?: string;
  version?: string;
}

export interface ObjectVerification {
  id: string;
  objectRoot: string;
  ok: boolean;
  head?: string;
  files: number;
  bytes: number;
  findings: Finding[];
}

/** Digest calls in flight per object: the next waits in the store's queue while a result is checked. */
const CONCURRENCY = 4;
/** Content files per bulk digest call (the local store's hash pool shares a call among its workers); bounds what an object of 100,000 files holds in flight. */
const BATCH = 128;

/** Checks one OCFL object completely: structure, inventories, every version's signature, every digest. */
export async function verifyObject(
  store: BlobStore,
  objectRoot: string,
  trusted: readonly TrustedCertificate[],
  expectedId?: string,
): Promise<ObjectVerification> {
  return (await inspectObject(store, objectRoot, trusted, expectedId)).verification;
}

/**
 * verifyObject, plus the root inventory the object was checked against when it could be parsed (the
 * fixity audit needs the head version's date; verify's own output stays as documented).
 */
export async function inspectObject(
  store: BlobStore,
  objectRoot: string,
  trusted: readonly TrustedCertificate[],
  expectedId?: string,
): Promise<{ verification: ObjectVerification; inventory?: Inventory }> {
  const findings: Finding[] = [];
  const result = (inv?: Inventory, files = 0, bytes = 0): { verification: ObjectVerification; inventory?: Inventory } => ({
    verification: {
      id: inv?.id ?? expectedId ?? objectRoot,
      objectRoot,
      ok: findings.length === 0,
      ...(inv ? { head: inv.head } : {}),
      files,
      bytes,
      findings,
    },
    ...(inv ? { inventory: inv } : {}),
  });
  try {
    // a missing file is a finding, not a failure: get() says S-001 (asking stat() first costs a round trip more)
    const read = (key: string): Promise<Buffer | null> => absentAsNull(readSmallObject(store, `${objectRoot}/${key}`));

    const [namaste, rootBytes] = await Promise.all([read(OBJECT_NAMASTE), read('inventory.json')]);
    if (!namaste || namaste.toString('utf8') !== 'ocfl_object_1.1\n') {
      findings.push({ code: 'BV-OBJ-1', message: VERIFY_CODES['BV-OBJ-1'], path: OBJECT_NAMASTE });
    }
    if (!rootBytes) {
      findings.push({ code: 'BV-INV-1', message: expectedId ? `no AIP ${expectedId}` : VERIFY_CODES['BV-INV-1'], path: 'inventory.json' });
      return result();
    }
    let inv: Inventory;
    try {
      inv = parseInventory(rootBytes, `${objectRoot}/inventory.json`);
    } catch (e) {
      findings.push({ code: 'BV-INV-2', message: (e as Error).message, path: 'inventory.json' });
      return result();
    }
    if (objectRootFor(inv.id) !== objectRoot) {
      findings.push({ code: 'BV-OBJ-2', message: `${inv.id} belongs at ${objectRootFor(inv.id)}, found at ${objectRoot}` });
    }

    // The parts below are independent: they run together, so the content's hashing (on the hash
    // workers) overlaps the inventories, signatures and listing done here. Findings are sorted at the end.
    const versionChecks = async (): Promise<void> => {
      checkSidecar(findings, inv, rootBytes, await read(`inventory.json.${inv.digestAlgorithm}`), 'inventory.json');
      for (const version of Object.keys(inv.versions)) {
        const [vBytes, vSidecar, sig] = await Promise.all([
          read(`${version}/inventory.json`),
          read(`${version}/inventory.json.${inv.digestAlgorithm}`),
          read(`${SIGNATURE_DIR}/${version}.p7s`),
        ]);
        if (!vBytes) {
          findings.push({ code: 'BV-INV-4', message: `${version}/inventory.json is missing`, path: `${version}/inventory.json`, version });
          continue;
        }
        checkSidecar(findings, inv, vBytes, vSidecar, `${version}/inventory.json`);
        if (version === inv.head && !vBytes.equals(rootBytes)) {
          findings.push({ code: 'BV-INV-4', message: `${version}/inventory.json differs from the root inventory`, path: `${version}/inventory.json`, version });
        }
        if (!sig) {
          findings.push({ code: 'BV-SIG-1', message: `${version} has no signature`, path: `${SIGNATURE_DIR}/${version}.p7s`, version });
        } else {
          const check = verifyDetached(sig, vBytes, trusted);
          if (!check.ok) findings.push({ code: 'BV-SIG-2', message: `${version}: ${check.reason}`, path: `${SIGNATURE_DIR}/${version}.p7s`, version });
        }
      }
    };

    const expected = new Map<string, string>();
    for (const [digest, paths] of Object.entries(inv.manifest)) for (const p of paths) expected.set(p, digest);
    let files = 0;
    let bytes = 0;
    const check = (contentPath: string, digest: string, actual: { sha256: string; size: number } | null): void => {
      if (!actual) {
        findings.push({ code: 'BV-CNT-1', message: `${contentPath} is missing`, path: contentPath });
        return;
      }
      files++;
      bytes += actual.size;
      if (actual.sha256 !== digest) {
        findings.push({ code: 'BV-CNT-2', message: `${contentPath}: expected ${inv.digestAlgorithm} ${digest}, found ${actual.sha256}`, path: contentPath });
      }
    };
    const contentChecks = async (): Promise<void> => {
      // the store's bulk digest takes batches (local: the hash workers); otherwise a file at a time
      const bulk = inv.digestAlgorithm === 'sha256' ? store.digestAll?.bind(store) : undefined;
      const digestBatch = bulk ?? ((keys: readonly string[]) => Promise.all(keys.map((key) => contentDigest(store, key, inv.digestAlgorithm))));
      const size = bulk ? BATCH : 1;
      const queue = [...expected];
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < queue.length) {
          const batch = queue.slice(next, (next += size));
          const results = await digestBatch(batch.map(([contentPath]) => `${objectRoot}/${contentPath}`));
          batch.forEach(([contentPath, digest], i) => check(contentPath, digest, results[i]!));
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    };

    const unlistedChecks = async (): Promise<void> => {
      for (const version of Object.keys(inv.versions)) {
        await forEachKeyUnder(store, `${objectRoot}/${version}/content/`, (key) => {
          const contentPath = key.slice(objectRoot.length + 1);
          if (!expected.has(contentPath)) findings.push({ code: 'BV-CNT-3', message: `${contentPath} is not in the manifest`, path: contentPath, version });
        });
      }
    };

    // all settle before a failure is reported, so nothing adds findings after the result is made;
    // the content goes first, so the hash workers get their first batch before anything else is read
    const failed = (await Promise.allSettled([contentChecks(), versionChecks(), unlistedChecks()])).find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    findings.sort((a, b) => (a.path ?? '').localeCompare(b.path ?? '') || a.code.localeCompare(b.code));
    return result(inv, files, bytes);
  } catch (e) {
    findings.push({ code: 'BV-STO-1', message: `cannot read ${objectRoot} from store ${store.name}: ${(e as Error).message}` });
    return result();
  }
}

/**
 * Every key below the folder `prefix`, in no promised order: folder by folder through children() where
 * the store has it (one listing call per folder), else through list(), whose async generator costs a
 * step per key and per folder level (thousands per object) and much compiling besides.
 */
async function forEachKeyUnder(store: BlobStore, prefix: string, visit: (key: string) => void): Promise<void> {
  if (!store.children) {
    for await (const key of store.list(prefix)) visit(key);
    return;
  }
  for (const name of await store.children(prefix)) {
    if (name.endsWith('/')) await forEachKeyUnder(store, prefix + name, visit);
    else visit(prefix + name);
  }
}

/**
 * One file's digest, null when it is absent: sha256 through the store's fast path, sha512 (objects
 * written by other OCFL tools) by streaming.
 */
function contentDigest(store: BlobStore, key: string, algorithm: Inventory['digestAlgorithm']): Promise<{ sha256: string; size: number } | null> {
  return absentAsNull(algorithm === 'sha256' ? store.digest(key) : streamDigest(store, key, algorithm));
}

async function streamDigest(store: BlobStore, key: string, algorithm: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash(algorithm);
  let size = 0;
  for await (const chunk of await store.get(key)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}

function checkSidecar(findings: Finding[], inv: Inventory, bytes: Buffer, sidecar: Buffer | null, where: string): void {
  if (!sidecar) {
    findings.push({ code: 'BV-INV-3', message: `${where}.${inv.digestAlgorithm} is missing`, path: `${where}.${inv.digestAlgorithm}` });
    return;
  }
  let stated: string;
  try {
    stated = parseSidecar(sidecar);
  } catch {
    findings.push({ code: 'BV-INV-3', message: `${where}.${inv.digestAlgorithm} is malformed`, path: `${where}.${inv.digestAlgorithm}` });
    return;
  }
  if (stated !== digestOf(inv.digestAlgorithm, bytes)) {
    findings.push({ code: 'BV-INV-3', message: `${where} does not match its sidecar digest`, path: where });
  }
}

import { createHash } from 'node:crypto';
import type { BlobStore } from '../blobstore/store.ts';
import { isBevaraError } from '../errors.ts';
import { type Inventory, OBJECT_NAMASTE, parseInventory, parseSidecar, digestOf } from '../ocfl/inventory.ts';
import { objectRootFor } from '../ocfl/layout.ts';
import { SIGNATURE_DIR, readAll } from '../ocfl/transaction.ts';
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

const CONCURRENCY = 4;
/** Content files per bulk digest call: large enough to make a message per batch cheap, small enough to spread over the workers. */
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
    const read = async (key: string): Promise<Buffer | null> =>
      (await store.stat(`${objectRoot}/${key}`)) ? readAll(await store.get(`${objectRoot}/${key}`)) : null;

    const namaste = await read(OBJECT_NAMASTE);
    if (!namaste || namaste.toString('utf8') !== 'ocfl_object_1.1\n') {
      findings.push({ code: 'BV-OBJ-1', message: VERIFY_CODES['BV-OBJ-1'], path: OBJECT_NAMASTE });
    }
    const rootBytes = await read('inventory.json');
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
    checkSidecar(findings, inv, rootBytes, await read(`inventory.json.${inv.digestAlgorithm}`), 'inventory.json');
    if (objectRootFor(inv.id) !== objectRoot) {
      findings.push({ code: 'BV-OBJ-2', message: `${inv.id} belongs at ${objectRootFor(inv.id)}, found at ${objectRoot}` });
    }

    // The three parts below are independent: they run together, so the content's hashing (on the hash
    // workers) overlaps the inventories, signatures and listing done here. Findings are sorted at the end.
    const versionChecks = async (): Promise<void> => {
      for (const version of Object.keys(inv.versions)) {
        const vBytes = await read(`${version}/inventory.json`);
        if (!vBytes) {
          findings.push({ code: 'BV-INV-4', message: `${version}/inventory.json is missing`, path: `${version}/inventory.json`, version });
          continue;
        }
        checkSidecar(findings, inv, vBytes, await read(`${version}/inventory.json.${inv.digestAlgorithm}`), `${version}/inventory.json`);
        if (version === inv.head && !vBytes.equals(rootBytes)) {
          findings.push({ code: 'BV-INV-4', message: `${version}/inventory.json differs from the root inventory`, path: `${version}/inventory.json`, version });
        }
        const sig = await read(`${SIGNATURE_DIR}/${version}.p7s`);
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
      const queue = [...expected];
      if (inv.digestAlgorithm === 'sha256' && store.digestAll) {
        // batches to the store's bulk digest (local: hash workers); a few in flight keep every worker busy
        const digestAll = store.digestAll.bind(store);
        const batches: [string, string][][] = [];
        for (let i = 0; i < queue.length; i += BATCH) batches.push(queue.slice(i, i + BATCH));
        const worker = async (): Promise<void> => {
          for (let batch = batches.shift(); batch; batch = batches.shift()) {
            const results = await digestAll(batch.map(([contentPath]) => `${objectRoot}/${contentPath}`));
            batch.forEach(([contentPath, digest], i) => check(contentPath, digest, results[i]!));
          }
        };
        await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      } else {
        const worker = async (): Promise<void> => {
          for (let next = queue.shift(); next; next = queue.shift()) {
            const [contentPath, digest] = next;
            let actual: { sha256: string; size: number } | null;
            try {
              actual = await contentDigest(store, `${objectRoot}/${contentPath}`, inv.digestAlgorithm);
            } catch (e) {
              if (!isBevaraError(e, 'S-001')) throw e;
              actual = null;
            }
            check(contentPath, digest, actual);
          }
        };
        await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      }
    };

    const unlistedChecks = async (): Promise<void> => {
      for (const version of Object.keys(inv.versions)) {
        for await (const key of store.list(`${objectRoot}/${version}/content/`)) {
          const contentPath = key.slice(objectRoot.length + 1);
          if (!expected.has(contentPath)) findings.push({ code: 'BV-CNT-3', message: `${contentPath} is not in the manifest`, path: contentPath, version });
        }
      }
    };

    // all settle before a failure is reported, so nothing adds findings after the result is made
    const failed = (await Promise.allSettled([versionChecks(), contentChecks(), unlistedChecks()])).find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    findings.sort((a, b) => (a.path ?? '').localeCompare(b.path ?? '') || a.code.localeCompare(b.code));
    return result(inv, files, bytes);
  } catch (e) {
    findings.push({ code: 'BV-STO-1', message: `cannot read ${objectRoot} from store ${store.name}: ${(e as Error).message}` });
    return result();
  }
}

/** sha256 through the store's fast path; sha512 (objects written by other OCFL tools) by streaming. */
async function contentDigest(store: BlobStore, key: string, algorithm: Inventory['digestAlgorithm']): Promise<{ sha256: string; size: number }> {
  if (algorithm === 'sha256') return store.digest(key);
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

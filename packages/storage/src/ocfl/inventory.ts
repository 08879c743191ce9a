import { createHash } from 'node:crypto';
import { StorageError } from '../errors.ts';

/**
 * OCFL 1.1 inventory (https://ocfl.io/1.1/spec/#inventory). Bevara writes sha256 content digests so that
 * stock `sha256sum` checks every stored file; it reads sha512 objects too.
 */
export type DigestAlgorithm = 'sha256' | 'sha512';

export interface InventoryVersion {
  created: string;
  message?: string;
  user?: { name: string; address?: string };
  /** digest → logical paths */
  state: Record<string, string[]>;
}

export interface Inventory {
  id: string;
  type: 'https://ocfl.io/1.1/spec/#inventory';
  digestAlgorithm: DigestAlgorithm;
  head: string;
  contentDirectory?: string;
  /** digest → content paths (relative to the object root) */
  manifest: Record<string, string[]>;
  versions: Record<string, InventoryVersion>;
  fixity?: Record<string, Record<string, string[]>>;
}

export const INVENTORY_TYPE = 'https://ocfl.io/1.1/spec/#inventory';
export const OBJECT_NAMASTE = '0=ocfl_object_1.1';
export const ROOT_NAMASTE = '0=ocfl_1.1';

export function versionName(n: number): string {
  return `v${n}`;
}

export function versionNumber(name: string): number {
  const m = /^v([1-9][0-9]*)$/.exec(name);
  if (!m) throw new StorageError('S-011', `not a version name: ${name}`);
  return Number(m[1]);
}

/**
 * Serialises with sorted keys so the same inventory always has the same bytes (and signature):
 * a verifier can re-derive and compare, and diffs between versions stay readable.
 */
export function serializeInventory(inv: Inventory): Buffer {
  return Buffer.from(JSON.stringify(sortKeys(inv), null, 1) + '\n', 'utf8');
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = sortKeys((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}

export function digestOf(algorithm: DigestAlgorithm, data: Buffer): string {
  return createHash(algorithm).update(data).digest('hex');
}

/** The sidecar `inventory.json.<alg>` holds "<digest> inventory.json\n", as sha256sum prints it. */
export function sidecarFor(algorithm: DigestAlgorithm, inventoryBytes: Buffer): Buffer {
  return Buffer.from(`${digestOf(algorithm, inventoryBytes)}  inventory.json\n`, 'utf8');
}

export function parseSidecar(bytes: Buffer): string {
  const m = /^([0-9a-fA-F]+)[ \t]+inventory\.json\s*$/.exec(bytes.toString('utf8'));
  if (!m || !m[1]) throw new StorageError('S-011', 'malformed inventory sidecar');
  return m[1].toLowerCase();
}

/**
 * Parses and structurally checks an inventory. Problems are reported with the OCFL validation
 * code they correspond to so that `bevara verify` can point at the rule.
 */
export function parseInventory(bytes: Buffer, where: string): Inventory {
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new StorageError('S-011', `${where}: inventory is not valid JSON (OCFL E033)`, { path: where }, { cause: e });
  }
  const problems = inventoryProblems(raw);
  if (problems.length > 0) {
    throw new StorageError('S-011', `${where}: ${problems.join('; ')}`, { path: where });
  }
  return raw as Inventory;
}

export function inventoryProblems(raw: unknown): string[] {
  const p: string[] = [];
  if (!isObject(raw)) return ['inventory is not a JSON object (E033)'];
  if (typeof raw.id !== 'string' || raw.id === '') p.push('id missing (E036)');
  if (raw.type !== INVENTORY_TYPE && raw.type !== 'https://ocfl.io/1.0/spec/#inventory') p.push('type is not an OCFL inventory type (E038)');
  if (raw.digestAlgorithm !== 'sha256' && raw.digestAlgorithm !== 'sha512') p.push('digestAlgorithm must be sha512 or sha256 (E025)');
  if (typeof raw.head !== 'string') p.push('head missing (E036)');
  if (!isObject(raw.manifest)) p.push('manifest missing (E041)');
  if (!isObject(raw.versions)) p.push('versions missing (E041)');
  if (p.length) return p;
  const versions = Object.keys(raw.versions as object);
  const numbers = versions.map((v) => (/^v[1-9][0-9]*$/.test(v) ? Number(v.slice(1)) : NaN));
  if (numbers.some(Number.isNaN)) p.push('version names must be v1, v2, … without zero padding (E104)');
  const sorted = [...numbers].sort((a, b) => a - b);
  if (sorted.some((n, i) => n !== i + 1)) p.push('versions must be a contiguous sequence from v1 (E010)');
  if (raw.head !== `v${sorted.length}`) p.push('head must be the highest version (E040)');
  const manifest = raw.manifest as Record<string, unknown>;
  const contentPaths = new Set<string>();
  for (const [digest, paths] of Object.entries(manifest)) {
    if (!/^[0-9a-f]+$/.test(digest)) p.push(`manifest digest ${digest} is not lower-case hex (E096)`);
    if (!Array.isArray(paths) || paths.some((x) => typeof x !== 'string')) { p.push(`manifest entry ${digest} malformed (E092)`); continue; }
    for (const cp of paths as string[]) {
      if (!isSafeRelativePath(cp)) p.push(`content path ${cp} is not a valid relative path (E099)`);
      if (contentPaths.has(cp)) p.push(`content path ${cp} appears twice (E101)`);
      contentPaths.add(cp);
    }
  }
  for (const [name, v] of Object.entries(raw.versions as Record<string, unknown>)) {
    if (!isObject(v) || typeof v.created !== 'string' || !isObject(v.state)) { p.push(`version ${name} malformed (E048)`); continue; }
    for (const [digest, paths] of Object.entries(v.state)) {
      if (!(digest in manifest)) p.push(`version ${name} state digest ${digest} not in manifest (E050)`);
      if (!Array.isArray(paths)) p.push(`version ${name} state entry ${digest} malformed (E050)`);
      else for (const lp of paths) if (typeof lp !== 'string' || !isSafeRelativePath(lp)) p.push(`logical path ${String(lp)} in ${name} is invalid (E053)`);
    }
  }
  return p;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// a '.' or '..' segment, an empty one inside the path ('//'), a backslash or a NUL
const UNSAFE_IN_PATH = /(?:^|\/)\.{1,2}(?:\/|$)|\/\/|[\\\0]/;

/**
 * Relative, '/'-separated, no empty, '.' or '..' segments, no NUL or backslash. One regular expression
 * instead of splitting: an inventory of 10,000 files checks 20,000 paths.
 */
export function isSafeRelativePath(p: string): boolean {
  return p !== '' && !p.startsWith('/') && !p.endsWith('/') && !UNSAFE_IN_PATH.test(p);
}

/** Logical path → digest for one version. */
export function versionState(inv: Inventory, version = inv.head): Map<string, string> {
  const v = inv.versions[version];
  if (!v) throw new StorageError('S-011', `inventory of ${inv.id} has no version ${version}`);
  const out = new Map<string, string>();
  for (const [digest, paths] of Object.entries(v.state)) for (const p of paths) out.set(p, digest);
  return out;
}

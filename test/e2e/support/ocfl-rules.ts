/**
 * An independent check of a storage root against the OCFL 1.1 specification (https://ocfl.io/1.1/spec/),
 * written from the spec's rules, not from Bevara's code: no npm OCFL library validates (the @ocfl/ocfl
 * packages only read), so the tests use this as the validator and @ocfl/ocfl-fs as the reader.
 * Each problem names the spec's error code.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface OcflProblem {
  code: string;
  where: string;
  message: string;
}

const INVENTORY_KEYS = ['id', 'type', 'digestAlgorithm', 'head', 'manifest', 'versions'];

export function validateStorageRoot(root: string): { objects: string[]; problems: OcflProblem[] } {
  const problems: OcflProblem[] = [];
  const problem = (code: string, where: string, message: string): void => void problems.push({ code, where, message });
  if (readText(path.join(root, '0=ocfl_1.1')) !== 'ocfl_1.1\n') problem('E069', root, 'storage root declaration 0=ocfl_1.1 missing or wrong');
  const layout = JSON.parse(readText(path.join(root, 'ocfl_layout.json')) ?? '{}') as { extension?: string; description?: string };
  if (typeof layout.extension !== 'string' || typeof layout.description !== 'string') problem('E070', root, 'ocfl_layout.json lacks extension/description');
  const objects: string[] = [];
  // Walk the storage hierarchy: a directory is an object root when it holds an object declaration (E072-E084).
  const walkHierarchy = (dir: string, rel: string): void => {
    const entries = fs.readdirSync(dir, { withFileTypes: true });
    if (entries.some((e) => e.isFile() && e.name.startsWith('0=ocfl_object_'))) {
      objects.push(rel);
      validateObject(dir, rel, problem);
      return;
    }
    for (const e of entries) {
      if (rel === '' && (e.name === '0=ocfl_1.1' || e.name === 'ocfl_layout.json' || e.name === 'extensions' || /^ocfl_1\.1\.(txt|md|html)$/.test(e.name))) continue;
      if (!e.isDirectory()) problem('E072', `${rel}${e.name}`, 'a file in the storage hierarchy outside an object root');
      else walkHierarchy(path.join(dir, e.name), `${rel}${e.name}/`);
    }
    if (rel !== '' && entries.length === 0) problem('E073', rel, 'an empty directory in the storage hierarchy');
  };
  walkHierarchy(root, '');
  return { objects: objects.map((o) => o.replace(/\/$/, '')), problems };
}

function validateObject(dir: string, where: string, problem: (code: string, where: string, message: string) => void): void {
  if (readText(path.join(dir, '0=ocfl_object_1.1')) !== 'ocfl_object_1.1\n') problem('E007', where, 'object declaration content is not "ocfl_object_1.1\\n"');
  const inv = readInventory(dir, '', where, problem);
  if (!inv) return;
  const head = Number(inv.head.slice(1));
  const versionNames = Object.keys(inv.versions);
  const expectedVersions = Array.from({ length: head }, (_, i) => `v${i + 1}`);
  if (versionNames.length !== head || !expectedVersions.every((v) => v in inv.versions)) problem('E010', where, `versions ${versionNames.join(',')} do not run v1..${inv.head}`);
  const contentDir = inv.contentDirectory ?? 'content';
  for (const entry of fs.readdirSync(dir)) {
    const allowed = entry === '0=ocfl_object_1.1' || entry === 'inventory.json' || entry === `inventory.json.${inv.digestAlgorithm}` || entry === 'extensions' || entry === 'logs' || expectedVersions.includes(entry);
    if (!allowed) problem('E001', `${where}${entry}`, 'unexpected entry in the object root');
  }
  const manifestPaths = new Map<string, string>();
  for (const [digest, paths] of Object.entries(inv.manifest)) for (const p of paths) manifestPaths.set(p, digest);
  for (const v of expectedVersions) {
    const vDir = path.join(dir, v);
    if (!fs.existsSync(vDir)) { problem('E010', `${where}${v}`, 'version directory missing'); continue; }
    for (const entry of fs.readdirSync(vDir)) {
      if (entry !== 'inventory.json' && entry !== `inventory.json.${inv.digestAlgorithm}` && entry !== contentDir) problem('E015', `${where}${v}/${entry}`, 'unexpected entry in a version directory');
    }
    const vInv = readInventory(dir, `${v}/`, where, problem);
    if (vInv) {
      // A version's inventory must agree with the root about every version up to it (E066), and the head's is identical (E064).
      for (const [name, version] of Object.entries(vInv.versions)) {
        if (JSON.stringify(version) !== JSON.stringify(inv.versions[name])) problem('E066', `${where}${v}/inventory.json`, `${name} differs from the root inventory`);
      }
      if (v === inv.head && readText(path.join(vDir, 'inventory.json')) !== readText(path.join(dir, 'inventory.json'))) problem('E064', `${where}${v}/inventory.json`, 'head version inventory differs from root');
    }
    const content = path.join(vDir, contentDir);
    if (fs.existsSync(content)) {
      for (const f of listFiles(content)) {
        const contentPath = `${v}/${contentDir}/${f}`;
        if (!manifestPaths.has(contentPath)) problem('E023', `${where}${contentPath}`, 'content file not in the manifest');
      }
    }
  }
  for (const [contentPath, digest] of manifestPaths) {
    const file = path.join(dir, contentPath);
    if (!fs.existsSync(file)) { problem('E092', `${where}${contentPath}`, 'manifest content path does not exist'); continue; }
    const actual = createHash(inv.digestAlgorithm).update(fs.readFileSync(file)).digest('hex');
    if (actual !== digest) problem('E092', `${where}${contentPath}`, `digest ${actual} does not match manifest ${digest}`);
  }
  for (const [name, version] of Object.entries(inv.versions)) {
    if (typeof version.created !== 'string' || Number.isNaN(Date.parse(version.created))) problem('E049', `${where}inventory.json`, `${name}.created is not an RFC 3339 date`);
    for (const digest of Object.keys(version.state)) if (!(digest in inv.manifest)) problem('E050', `${where}inventory.json`, `${name} state digest not in manifest`);
  }
}

interface Inv {
  id: string;
  type: string;
  digestAlgorithm: 'sha256' | 'sha512';
  head: string;
  contentDirectory?: string;
  manifest: Record<string, string[]>;
  versions: Record<string, { created: string; state: Record<string, string[]> }>;
}

function readInventory(dir: string, prefix: string, where: string, problem: (code: string, where: string, message: string) => void): Inv | null {
  const file = path.join(dir, prefix, 'inventory.json');
  const text = readText(file);
  if (text === null) { problem(prefix ? 'E010' : 'E034', `${where}${prefix}inventory.json`, 'inventory missing'); return null; }
  let inv: Inv;
  try { inv = JSON.parse(text) as Inv; } catch { problem('E033', `${where}${prefix}inventory.json`, 'not JSON'); return null; }
  for (const k of INVENTORY_KEYS) if (!(k in inv)) problem('E036', `${where}${prefix}inventory.json`, `key ${k} missing`);
  if (inv.type !== 'https://ocfl.io/1.1/spec/#inventory') problem('E038', `${where}${prefix}inventory.json`, `type ${inv.type}`);
  if (inv.digestAlgorithm !== 'sha512' && inv.digestAlgorithm !== 'sha256') problem('E025', `${where}${prefix}inventory.json`, 'digestAlgorithm');
  const sidecar = readText(path.join(dir, prefix, `inventory.json.${inv.digestAlgorithm}`));
  const digest = createHash(inv.digestAlgorithm).update(fs.readFileSync(file)).digest('hex');
  if (sidecar === null) problem('E058', `${where}${prefix}inventory.json.${inv.digestAlgorithm}`, 'sidecar missing');
  else if (!new RegExp(`^${digest}[ \\t]+inventory\\.json\\n?$`).test(sidecar)) problem('E061', `${where}${prefix}inventory.json.${inv.digestAlgorithm}`, 'sidecar does not match');
  return inv;
}

function readText(file: string): string | null {
  try { return fs.readFileSync(file, 'utf8'); } catch { return null; }
}

function listFiles(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(dir, r));
    else out.push(r);
  }
  return out;
}

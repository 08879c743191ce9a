import fs from 'node:fs';
import path from 'node:path';
import type { S3BlobStoreConfig } from '../blobstore/s3-config.ts';
import { StorageError } from '../errors.ts';

/**
 * `bevara.json` in the archive folder. Documented in docs/configuration.md and
 * schemas/archive-config.schema.json; every field is checked here so a hand-edited file fails with
 * a precise message (S-006) instead of half-working.
 */
export interface LocalStoreConfig {
  name: string;
  type: 'local';
  /** Relative to the archive folder, or absolute. */
  path: string;
}

/** An S3 store as the archive config holds it; tuning knobs (part size, spool folder) keep their defaults. */
export type S3StoreConfig = Omit<S3BlobStoreConfig, 'partSize' | 'spoolDir'> & { type: 's3' };

export type StoreConfig = LocalStoreConfig | S3StoreConfig;

export interface ArchiveConfig {
  format: 'bevara-archive/1';
  archiveId: string;
  created: string;
  stores: StoreConfig[];
  policy: Policy;
}

/**
 * How many stores hold every AIP (the first `copies` stores in `stores`, the primary first) and how
 * often every copy is re-hashed. Stores past `copies` are configured but not written.
 */
export interface Policy {
  copies: number;
  audit?: AuditPolicy;
}

export interface AuditPolicy {
  /** Every copy is audited at least once in this many days (default 90). */
  cycleDays: number;
  /** Read rate limit for audits, bytes per second; none when absent. */
  bytesPerSecond?: number;
}

export const CONFIG_FILE = 'bevara.json';

/** The stores every AIP must be on: the first `policy.copies` of `stores`, the primary first. */
export function requiredStoreConfigs(config: ArchiveConfig): StoreConfig[] {
  return config.stores.slice(0, config.policy.copies);
}

export function readConfig(dir: string): ArchiveConfig {
  const file = path.join(dir, CONFIG_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new StorageError('S-004', `${dir} is not a Bevara archive (no ${CONFIG_FILE}); create one with 'bevara init ${dir}'`, { path: dir });
    }
    throw new StorageError('S-006', `cannot read ${file}: ${(e as Error).message}`, { path: file }, { cause: e });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new StorageError('S-006', `${file} is not valid JSON: ${(e as Error).message}`, { path: file }, { cause: e });
  }
  return validateConfig(raw, file);
}

export function validateConfig(raw: unknown, where: string): ArchiveConfig {
  const fail = (msg: string): never => {
    throw new StorageError('S-006', `${where}: ${msg}`, { path: where });
  };
  if (!isRecord(raw)) return fail('the configuration must be a JSON object');
  if (raw.format !== 'bevara-archive/1') fail(`"format" must be "bevara-archive/1" (found ${JSON.stringify(raw.format)})`);
  if (typeof raw.archiveId !== 'string' || !raw.archiveId) fail('"archiveId" must be a non-empty string');
  if (typeof raw.created !== 'string') fail('"created" must be a date string');
  if (!Array.isArray(raw.stores) || raw.stores.length === 0) fail('"stores" must list at least one store');
  const names = new Set<string>();
  const stores = (raw.stores as unknown[]).map((s, i) => {
    const at = `stores[${i}]`;
    if (!isRecord(s)) return fail(`${at} must be an object`);
    if (typeof s.name !== 'string' || !/^[a-z0-9][a-z0-9_-]{0,62}$/.test(s.name)) fail(`${at}.name must match [a-z0-9][a-z0-9_-]*`);
    if (names.has(s.name as string)) fail(`${at}.name "${String(s.name)}" is used twice`);
    names.add(s.name as string);
    if (s.type === 'local') {
      if (typeof s.path !== 'string' || !s.path) fail(`${at}.path must be a folder path`);
      return { name: s.name, type: 'local', path: s.path } as LocalStoreConfig;
    }
    if (s.type === 's3') {
      if (typeof s.endpoint !== 'string' || !/^https?:\/\/[^/]+/.test(s.endpoint)) fail(`${at}.endpoint must be an http(s) URL`);
      if (typeof s.bucket !== 'string' || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(s.bucket)) fail(`${at}.bucket is not a valid bucket name`);
      for (const k of ['prefix', 'region', 'accessKey', 'secretKey'] as const) {
        if (s[k] !== undefined && typeof s[k] !== 'string') fail(`${at}.${k} must be a string`);
      }
      if (s.objectLock !== undefined) {
        const l = s.objectLock;
        if (!isRecord(l) || (l.mode !== 'compliance' && l.mode !== 'governance')) fail(`${at}.objectLock.mode must be "compliance" or "governance"`);
        if (!Number.isInteger((l as Record<string, unknown>).retainDays) || ((l as Record<string, unknown>).retainDays as number) < 1) {
          fail(`${at}.objectLock.retainDays must be a whole number of days, at least 1`);
        }
      }
      return s as unknown as S3StoreConfig;
    }
    return fail(`${at}.type must be "local" or "s3"`);
  });
  const policy = raw.policy;
  if (!isRecord(policy) || !Number.isInteger(policy.copies) || (policy.copies as number) < 1) fail('"policy.copies" must be a whole number, at least 1');
  if ((policy as { copies: number }).copies > stores.length) fail(`"policy.copies" (${(policy as { copies: number }).copies}) exceeds the number of stores (${stores.length})`);
  const audit = validateAuditPolicy((policy as Record<string, unknown>).audit, fail);
  return {
    format: 'bevara-archive/1',
    archiveId: raw.archiveId as string,
    created: raw.created as string,
    stores,
    policy: { copies: (policy as { copies: number }).copies, ...(audit ? { audit } : {}) },
  };
}

function validateAuditPolicy(raw: unknown, fail: (msg: string) => never): AuditPolicy | undefined {
  if (raw === undefined) return undefined;
  if (!isRecord(raw)) return fail('"policy.audit" must be an object');
  if (!Number.isInteger(raw.cycleDays) || (raw.cycleDays as number) < 1) fail('"policy.audit.cycleDays" must be a whole number of days, at least 1');
  if (raw.bytesPerSecond !== undefined && (!Number.isInteger(raw.bytesPerSecond) || (raw.bytesPerSecond as number) < 1024)) {
    fail('"policy.audit.bytesPerSecond" must be a whole number, at least 1024');
  }
  return { cycleDays: raw.cycleDays as number, ...(raw.bytesPerSecond !== undefined ? { bytesPerSecond: raw.bytesPerSecond as number } : {}) };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

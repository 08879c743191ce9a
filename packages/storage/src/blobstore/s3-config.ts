/**
 * The S3 store's configuration: checked once, up front, so a typo in the archive config fails
 * with S-006 at start-up and not at the first write.
 */
import http from 'node:http';
import https from 'node:https';
import { Client } from 'minio';
import { StorageError } from '../errors.ts';
import { assertValidPrefix } from './inputs.ts';

export interface S3BlobStoreConfig {
  /** Short name from the archive config ("s3-sthlm"). */
  name: string;
  /** e.g. http://127.0.0.1:7480 or https://s3.example.se */
  endpoint: string;
  bucket: string;
  /** Keys are stored under this prefix ("bevara/"); a missing final "/" is added. */
  prefix?: string;
  region?: string;
  /** Otherwise BEVARA_S3_ACCESS_KEY, then AWS_ACCESS_KEY_ID. */
  accessKey?: string;
  /** Otherwise BEVARA_S3_SECRET_KEY, then AWS_SECRET_ACCESS_KEY. */
  secretKey?: string;
  /** What the bucket must enforce; check() refuses a bucket that does not (S-021). */
  objectLock?: { mode: 'compliance' | 'governance'; retainDays: number };
  /**
   * Bytes per multipart part, and the most an upload holds in memory; larger objects are
   * spooled to `spoolDir` first. At least 5 MiB (S3's minimum part). Default 16 MiB, which
   * allows objects up to 156 GiB (S3's 10,000 parts).
   */
  partSize?: number;
  /** Folder for spooling large objects before upload; default the OS temp folder. */
  spoolDir?: string;
}

export const MIN_PART_SIZE = 5 * 1024 * 1024;
const DEFAULT_PART_SIZE = 16 * 1024 * 1024;
// S3's rule for bucket names, less the rarely supported dots
const BUCKET_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

export interface ResolvedS3Config {
  name: string;
  endpoint: URL;
  bucket: string;
  /** '' or ending in '/' */
  prefix: string;
  region: string;
  objectLock: { mode: 'COMPLIANCE' | 'GOVERNANCE'; retainDays: number } | undefined;
  partSize: number;
  spoolDir: string | undefined;
  accessKey: string;
  secretKey: string;
}

export function resolveS3Config(config: S3BlobStoreConfig, env: NodeJS.ProcessEnv = process.env): ResolvedS3Config {
  const bad = (why: string): StorageError =>
    new StorageError('S-006', `S3 store ${config.name}: ${why}`, { store: String(config.name) });
  let endpoint: URL;
  try {
    endpoint = new URL(config.endpoint);
  } catch {
    throw bad(`endpoint ${JSON.stringify(config.endpoint)} is not a URL (like http://127.0.0.1:7480)`);
  }
  if (endpoint.protocol !== 'http:' && endpoint.protocol !== 'https:') throw bad('endpoint must be http:// or https://');
  if (endpoint.pathname !== '/' || endpoint.search !== '' || endpoint.username !== '') {
    throw bad('endpoint must be scheme, host and port only (bucket and credentials are separate settings)');
  }
  if (typeof config.bucket !== 'string' || !BUCKET_NAME.test(config.bucket)) {
    throw bad(`bucket ${JSON.stringify(config.bucket)} is not a valid bucket name (3-63 of a-z, 0-9, "-")`);
  }
  let prefix = config.prefix ?? '';
  if (prefix !== '' && !prefix.endsWith('/')) prefix += '/';
  try {
    assertValidPrefix(prefix);
  } catch {
    throw bad(`prefix ${JSON.stringify(config.prefix)} is not a valid key prefix`);
  }
  const lock = config.objectLock;
  if (lock !== undefined) {
    if (lock.mode !== 'compliance' && lock.mode !== 'governance') throw bad('objectLock.mode must be compliance or governance');
    if (!Number.isSafeInteger(lock.retainDays) || lock.retainDays < 1) throw bad('objectLock.retainDays must be a whole number >= 1');
  }
  const partSize = config.partSize ?? DEFAULT_PART_SIZE;
  if (!Number.isSafeInteger(partSize) || partSize < MIN_PART_SIZE || partSize > 5 * 1024 ** 3) {
    throw bad('partSize must be between 5 MiB and 5 GiB');
  }
  const accessKey = config.accessKey ?? env.BEVARA_S3_ACCESS_KEY ?? env.AWS_ACCESS_KEY_ID;
  const secretKey = config.secretKey ?? env.BEVARA_S3_SECRET_KEY ?? env.AWS_SECRET_ACCESS_KEY;
  if (!accessKey || !secretKey) {
    throw bad('no credentials: set accessKey/secretKey, or BEVARA_S3_ACCESS_KEY/BEVARA_S3_SECRET_KEY');
  }
  return {
    name: config.name,
    endpoint,
    bucket: config.bucket,
    prefix,
    region: config.region ?? 'us-east-1',
    objectLock: lock && { mode: lock.mode === 'compliance' ? 'COMPLIANCE' : 'GOVERNANCE', retainDays: lock.retainDays },
    partSize,
    spoolDir: config.spoolDir,
    accessKey,
    secretKey,
  };
}

/** A client with its own connection pool (closed by destroying `agent`). */
export function makeClient(config: ResolvedS3Config): { client: Client; agent: http.Agent } {
  const useSSL = config.endpoint.protocol === 'https:';
  const agent = useSSL ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  const client = new Client({
    endPoint: config.endpoint.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: config.endpoint.port === '' ? (useSSL ? 443 : 80) : Number(config.endpoint.port),
    useSSL,
    accessKey: config.accessKey,
    secretKey: config.secretKey,
    region: config.region,
    partSize: config.partSize,
    pathStyle: true,
    transportAgent: agent,
    // our errors say "retry: true" and the caller decides; minio's own retry only logs to the console
    retryOptions: { disableRetry: true },
  });
  return { client, agent };
}

/** The config without secrets, for messages and reports. */
export function describeS3(config: ResolvedS3Config): string {
  return `${config.endpoint.origin}/${config.bucket}${config.prefix === '' ? '' : `/${config.prefix}`}`;
}

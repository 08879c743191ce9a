/** Turns what minio-js throws into our typed errors, by the S3 error code or socket error. */
import { isBevaraError, StorageError } from '../errors.ts';
import { describeS3, type ResolvedS3Config } from './s3-config.ts';

// the server is not there or went away: worth a retry later
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ECONNABORTED',
  'SlowDown',
  'ServiceUnavailable',
  'InternalError',
  'RequestTimeout',
]);
// the server answers but refuses: wrong credentials or bucket, or an object lock says no
const REFUSED = new Set([
  'ObjectLocked',
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'NoSuchBucket',
  'AuthorizationHeaderMalformed',
  'InvalidBucketName',
]);
export const NOT_FOUND = new Set(['NoSuchKey', 'NotFound', 'NoSuchVersion']);

export function s3ErrorCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** `action` and `key` say what we were doing, for the message. Unknown errors pass unchanged. */
export function toStorageError(e: unknown, config: ResolvedS3Config, action: string, key?: string): unknown {
  if (isBevaraError(e)) return e;
  const code = s3ErrorCode(e);
  const where = describeS3(config);
  const what = key === undefined ? action : `${action} ${key}`;
  const detail = { store: config.name, endpoint: config.endpoint.origin, ...(key === undefined ? {} : { key }) };
  const message = (e as Error | undefined)?.message ?? String(e);
  if (code !== undefined && UNREACHABLE.has(code)) {
    return new StorageError('S-003', `S3 store ${config.name} unavailable at ${config.endpoint.origin} (${code}) during ${what}`, detail, {
      cause: e,
    });
  }
  if (code !== undefined && REFUSED.has(code)) {
    return new StorageError('S-021', `S3 store ${config.name} (${where}) refused ${what}: ${code}: ${message}`, detail, { cause: e });
  }
  if (code === 'InvalidRange') {
    return new StorageError('S-022', `byte range outside ${key ?? 'the object'}`, detail, { cause: e });
  }
  return e;
}

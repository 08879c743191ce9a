/**
 * Whether a key and certificate may become the archive's signing key. Checked in full, in
 * memory, before anything is written, so a refused key never disturbs the current one.
 */
import { type KeyObject } from 'node:crypto';
import { StorageError } from '../errors.ts';
import { describeKey, type ParsedCertificate } from './certificate.ts';
import { CmsSigner, verifyDetached } from './cms.ts';

export const MIN_RSA_BITS = 2048;

export function checkSigningPair(key: KeyObject, certificate: ParsedCertificate, now: Date = new Date()): CmsSigner {
  const { keyType, keyBits } = describeKey(key);
  if (keyType === 'rsa' && keyBits < MIN_RSA_BITS) {
    throw new StorageError('S-007', `RSA key is ${keyBits} bits; at least ${MIN_RSA_BITS} are required`, { keyBits });
  }
  const { fingerprint, notBefore, notAfter } = certificate.info;
  if (now < notBefore) {
    throw new StorageError('S-007', `certificate ${fingerprint} is not valid until ${notBefore.toISOString()}`, { fingerprint });
  }
  if (now > notAfter) {
    throw new StorageError('S-007', `certificate ${fingerprint} expired on ${notAfter.toISOString()}`, { fingerprint });
  }
  // The constructor refuses a key that does not belong to the certificate; a trial signature
  // then proves the pair works end to end with the verifier every reader will use.
  const signer = new CmsSigner(key, certificate.info.pem);
  const probe = Buffer.from('bevara key check');
  const check = verifyDetached(signer.sign(probe, now), probe, [certificate.info]);
  if (!check.ok) throw new StorageError('S-007', `a trial signature with the new key fails: ${check.reason}`, { fingerprint });
  return signer;
}

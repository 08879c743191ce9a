/**
 * Whether a key and certificate may become the archive's signing key. Checked in full, in
 * memory, before anything is written, so a refused key never disturbs the current one.
 */
import { type KeyObject } from 'node:crypto';
import { StorageError } from '../errors.ts';
import { describeKey, type ParsedCertificate } from './certificate.ts';
import { CmsSigner, verifyDetached } from './cms.ts';

export const MIN_RSA_BITS = 2048;

/**
 * A key about to become the archive's: the policy (signingPair), and a trial signature that proves the pair works
 * end to end with the verifier every reader will use.
 */
export function checkSigningPair(key: KeyObject, certificate: ParsedCertificate, now: Date = new Date()): CmsSigner {
  const signer = signingPair(key, certificate, now);
  const probe = Buffer.from('bevara key check');
  const check = verifyDetached(signer.sign(probe, now), probe, [certificate.info]);
  if (!check.ok) throw new StorageError('S-007', `a trial signature with the new key fails: ${check.reason}`, { fingerprint: certificate.info.fingerprint });
  return signer;
}

/**
 * A signer for a key and certificate that meet the policy: RSA of at least MIN_RSA_BITS, a certificate valid now,
 * and a key that belongs to it (the signer's constructor refuses one that does not). The stored current key had its
 * trial signature when it was installed; each process that signs with it only checks this much.
 */
export function signingPair(key: KeyObject, certificate: ParsedCertificate, now: Date = new Date()): CmsSigner {
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
  return new CmsSigner(key, certificate.info.pem);
}

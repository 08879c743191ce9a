/**
 * `bevara keys init`: a new RSA 3072 key and a self-signed certificate for it. node:crypto makes
 * the key (native, about a second); forge builds and signs the certificate, once.
 */
import { createPrivateKey, generateKeyPair, randomBytes, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type forge from 'node-forge';
import { forgeLibrary } from './forge.ts';
import { StorageError } from '../errors.ts';

export interface SelfSignedOptions {
  /** Comma-separated RDNs, e.g. "CN=Bevara, O=Exempels kommun, C=SE". Commas inside values are not supported. */
  subject?: string;
  /** Validity in days from now; 1 to 36500. */
  days?: number;
}

export const DEFAULT_SUBJECT = 'CN=Bevara archive signing key';
export const DEFAULT_DAYS = 3650;
export const INIT_RSA_BITS = 3072;
/** notBefore lies a little in the past so a verifier whose clock lags still accepts a fresh certificate. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;
const NAME_ATTRIBUTES = new Set(['CN', 'O', 'OU', 'L', 'ST', 'C', 'E']);

const generateRsa = promisify(generateKeyPair);

export function parseSubject(subject: string): forge.pki.CertificateField[] {
  const fields: forge.pki.CertificateField[] = subject.split(',').map((part) => {
    const eq = part.indexOf('=');
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (eq < 0 || !NAME_ATTRIBUTES.has(name) || value.length === 0) {
      throw new StorageError('S-007', `subject "${subject}" is not a list like "CN=Name, O=Organisation, C=SE" (attributes ${[...NAME_ATTRIBUTES].join(', ')})`);
    }
    if (name === 'C' && !/^[A-Z]{2}$/.test(value)) {
      throw new StorageError('S-007', `country "${value}" in the subject must be two capital letters, e.g. SE`);
    }
    // UTF8String so Swedish names (Göteborgs Stad) survive; the country code stays PrintableString.
    // (@types/node-forge mistypes valueTagClass as a tag class; forge reads it as the value's tag.)
    const utf8 = forgeLibrary().asn1.Type.UTF8 as unknown as forge.asn1.Class;
    return name === 'C' ? { shortName: name, value } : { shortName: name, value, valueTagClass: utf8 };
  });
  if (!fields.some((f) => f.shortName === 'CN')) throw new StorageError('S-007', `subject "${subject}" needs a CN`);
  return fields;
}

export async function createSelfSigned(
  options: SelfSignedOptions = {},
  now: Date = new Date(),
): Promise<{ key: KeyObject; certPem: string }> {
  const days = options.days ?? DEFAULT_DAYS;
  if (!Number.isInteger(days) || days < 1 || days > 36500) {
    throw new StorageError('S-007', `certificate validity must be a whole number of days from 1 to 36500, not ${days}`);
  }
  const subject = parseSubject(options.subject ?? DEFAULT_SUBJECT);
  const pair = await generateRsa('rsa', { modulusLength: INIT_RSA_BITS });
  const key = createPrivateKey(pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));

  const { pki, md } = forgeLibrary();
  const cert = pki.createCertificate();
  cert.publicKey = pki.publicKeyFromPem(pair.publicKey.export({ type: 'spki', format: 'pem' }).toString());
  // A positive 128-bit serial: RFC 5280 asks for unique, non-negative serials of at most 20 bytes.
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x01;
  cert.serialNumber = serial.toString('hex');
  cert.validity.notBefore = new Date(now.getTime() - CLOCK_SKEW_MS);
  cert.validity.notAfter = new Date(now.getTime() + days * 24 * 60 * 60 * 1000);
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, nonRepudiation: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(pki.privateKeyFromPem(key.export({ type: 'pkcs1', format: 'pem' }).toString()), md.sha256.create());
  return { key, certPem: pki.certificateToPem(cert) };
}

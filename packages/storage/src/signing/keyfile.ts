/**
 * Reading a municipality's key file for `bevara keys import`: PKCS#12 (.p12/.pfx, DER) or PEM
 * (one private key, plain or encrypted, plus its certificate and optionally the CA chain).
 * The result is a private key and the certificate that belongs to it; whether that pair is fit
 * to sign with is keypolicy.ts's question.
 *
 * The password and the key never appear in an error message or detail.
 */
import { createPrivateKey, type KeyObject, type X509Certificate } from 'node:crypto';
import type forge from 'node-forge';
import { forgeLibrary } from './forge.ts';
import { StorageError } from '../errors.ts';
import { parseCertificate, readX509, type ParsedCertificate } from './certificate.ts';
import { toDer } from './der.ts';

export interface KeyMaterial {
  key: KeyObject;
  certificate: ParsedCertificate;
}

/** Key files are a few KB; this bounds what is read into memory from a wrong path. */
export const MAX_KEY_FILE_BYTES = 1024 * 1024;

const PRIVATE_KEY_LABELS = new Set(['PRIVATE KEY', 'ENCRYPTED PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY', 'DSA PRIVATE KEY']);
/** `openssl ecparam -genkey` writes the curve parameters before the key; the key names its curve anyway. */
const IGNORED_LABELS = new Set(['EC PARAMETERS']);
const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

export function readKeyMaterial(bytes: Buffer, password: string | undefined): KeyMaterial {
  if (bytes.length > MAX_KEY_FILE_BYTES) {
    throw new StorageError('S-007', `key file is ${bytes.length} bytes; a key file is at most ${MAX_KEY_FILE_BYTES}`);
  }
  const text = bytes.toString('latin1');
  if (text.includes('-----BEGIN ')) return readPem(text, password);
  return readPkcs12(bytes, password);
}

function readPem(text: string, password: string | undefined): KeyMaterial {
  const keys: KeyObject[] = [];
  const certificates: X509Certificate[] = [];
  for (const match of text.matchAll(PEM_BLOCK)) {
    const [block, label = ''] = match;
    if (PRIVATE_KEY_LABELS.has(label)) keys.push(decodePemKey(block, label, password));
    else if (label === 'CERTIFICATE') certificates.push(readX509(block));
    else if (!IGNORED_LABELS.has(label)) {
      throw new StorageError('S-007', `unexpected PEM block "${label}" in key file; expected a private key and certificates`, { label });
    }
  }
  return pair(keys, certificates, 'PEM');
}

function decodePemKey(block: string, label: string, password: string | undefined): KeyObject {
  const encrypted = label === 'ENCRYPTED PRIVATE KEY' || block.includes('Proc-Type: 4,ENCRYPTED');
  if (encrypted && (password === undefined || password === '')) {
    throw new StorageError('S-008', 'the private key is encrypted; give its password');
  }
  try {
    return createPrivateKey(encrypted ? { key: block, format: 'pem', passphrase: password } : { key: block, format: 'pem' });
  } catch (cause) {
    if (encrypted) throw new StorageError('S-008', 'wrong password for the private key (or the key is damaged)', {}, { cause });
    throw new StorageError('S-007', `the "${label}" block is not a readable private key`, { label }, { cause });
  }
}

function readPkcs12(bytes: Buffer, password: string | undefined): KeyMaterial {
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    // Not strict: PKCS#12 is BER, and some Windows exports use indefinite lengths.
    const { pkcs12, asn1 } = forgeLibrary();
    p12 = pkcs12.pkcs12FromAsn1(asn1.fromDer(bytes.toString('binary'), false), false, password ?? '');
  } catch (cause) {
    // forge reports a failed MAC or decryption only through its message text; it is matched
    // here, once, to tell a wrong password from a file that is not PKCS#12 at all.
    if (cause instanceof Error && /password/i.test(cause.message)) {
      throw new StorageError('S-008', 'wrong password for the PKCS#12 file', {}, { cause });
    }
    throw new StorageError('S-007', 'key file is neither PEM nor a readable PKCS#12 (.p12/.pfx) file', {}, { cause });
  }
  const keys: KeyObject[] = [];
  const certificates: X509Certificate[] = [];
  const { oids } = forgeLibrary().pki;
  for (const bagType of [oids.pkcs8ShroudedKeyBag, oids.keyBag]) {
    for (const bag of p12.getBags({ bagType: bagType! })[bagType!] ?? []) keys.push(pkcs12Key(bag));
  }
  const certBag = oids.certBag!;
  for (const bag of p12.getBags({ bagType: certBag })[certBag] ?? []) certificates.push(pkcs12Certificate(bag));
  return pair(keys, certificates, 'PKCS#12');
}

/** forge decodes RSA keys itself and hands anything else (EC) over as PrivateKeyInfo ASN.1. */
function pkcs12Key(bag: forge.pkcs12.Bag): KeyObject {
  const { pki } = forgeLibrary();
  const privateKeyInfo = bag.key
    ? pki.wrapRsaPrivateKey(pki.privateKeyToAsn1(bag.key))
    : (bag.asn1 as forge.asn1.Asn1 | undefined);
  if (privateKeyInfo === undefined) throw new StorageError('S-007', 'PKCS#12 key bag is empty');
  try {
    return createPrivateKey({ key: toDer(privateKeyInfo), format: 'der', type: 'pkcs8' });
  } catch (cause) {
    throw new StorageError('S-007', 'PKCS#12 key bag is not a readable private key', {}, { cause });
  }
}

function pkcs12Certificate(bag: forge.pkcs12.Bag): X509Certificate {
  const asn1 = bag.cert ? forgeLibrary().pki.certificateToAsn1(bag.cert) : (bag.asn1 as forge.asn1.Asn1 | undefined);
  if (asn1 === undefined) throw new StorageError('S-007', 'PKCS#12 certificate bag is empty');
  // forge re-encodes from the certificate's original tbsCertificate; keyfile.test.ts checks the
  // fingerprint still equals openssl's.
  return readX509(toDer(asn1));
}

/** Exactly one key, and among the certificates the one that belongs to it (the rest is chain). */
function pair(keys: KeyObject[], certificates: X509Certificate[], format: string): KeyMaterial {
  if (keys.length !== 1) {
    throw new StorageError('S-007', `${format} key file holds ${keys.length} private keys; expected exactly one`, { keys: keys.length });
  }
  const key = keys[0]!;
  if (certificates.length === 0) throw new StorageError('S-007', `${format} key file holds no certificate`);
  const certificate = certificates.find((c) => c.checkPrivateKey(key));
  if (certificate === undefined) {
    throw new StorageError('S-007', `none of the ${certificates.length} certificates in the ${format} file belongs to its private key`, {
      certificates: certificates.length,
    });
  }
  return { key, certificate: parseCertificate(certificate.raw) };
}

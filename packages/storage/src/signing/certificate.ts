/**
 * Reading X.509 certificates: the facts Bevara shows and stores (CertificateInfo) and the
 * fields a CMS SignerInfo names its certificate by (issuer Name and serial number, as DER).
 * Node's X509Certificate does the parsing and key handling (it knows RSA and EC alike);
 * forge's ASN.1 reader only digs out the two raw fields Node does not expose.
 */
import { createHash, X509Certificate, type KeyObject } from 'node:crypto';
import { StorageError } from '../errors.ts';
import { children, fromDer, isContext, TAG, toDer } from './der.ts';

export type KeyType = 'rsa' | 'ec';

export interface CertificateInfo {
  /** Lower-case hex SHA-256 of the certificate's DER (what `openssl x509 -fingerprint -sha256` shows, without colons). */
  fingerprint: string;
  /** Distinguished name, RDNs joined with ", " in certificate order, e.g. "CN=Bevara, O=Kommun". */
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  keyType: KeyType;
  /** RSA modulus length, or the EC curve's size (256, 384, 521). */
  keyBits: number;
  pem: string;
}

export interface ParsedCertificate {
  info: CertificateInfo;
  der: Buffer;
  x509: X509Certificate;
  publicKey: KeyObject;
  /** DER of the issuer Name, as the SignerInfo's IssuerAndSerialNumber repeats it. */
  issuerDer: Buffer;
  /** DER of the serialNumber INTEGER. */
  serialDer: Buffer;
}

/** EC curves whose signatures OpenSSL verifies with SHA-256 as the digest (RFC 5753/5754). */
const EC_CURVE_BITS: Readonly<Record<string, number>> = { prime256v1: 256, secp384r1: 384, secp521r1: 521 };

export function fingerprintOf(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex');
}

function distinguishedName(multiline: string): string {
  return multiline.split('\n').filter((line) => line.length > 0).join(', ');
}

/** Key type and size of a public or private key; S-009 for anything but RSA and the NIST curves. */
export function describeKey(key: KeyObject): { keyType: KeyType; keyBits: number } {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa' && details.modulusLength !== undefined) {
    return { keyType: 'rsa', keyBits: details.modulusLength };
  }
  if (key.asymmetricKeyType === 'ec' && details.namedCurve !== undefined) {
    const bits = EC_CURVE_BITS[details.namedCurve];
    if (bits !== undefined) return { keyType: 'ec', keyBits: bits };
    throw new StorageError(
      'S-009',
      `EC curve ${details.namedCurve} is not supported; use RSA (at least 2048 bits) or EC P-256, P-384 or P-521`,
      { keyType: 'ec', curve: details.namedCurve },
    );
  }
  const type = key.asymmetricKeyType ?? 'unknown';
  throw new StorageError(
    'S-009',
    `${type} keys are not supported; use RSA (at least 2048 bits) or EC P-256, P-384 or P-521`,
    { keyType: type },
  );
}

/** Parse one certificate (PEM or DER). Malformed input is S-007; an unsupported key type S-009. */
export function parseCertificate(input: string | Buffer): ParsedCertificate {
  const x509 = readX509(input);
  const der = x509.raw;
  const { issuerDer, serialDer } = issuerAndSerial(der);
  const publicKey = x509.publicKey;
  const { keyType, keyBits } = describeKey(publicKey);
  return {
    info: {
      fingerprint: fingerprintOf(der),
      subject: distinguishedName(x509.subject),
      issuer: distinguishedName(x509.issuer),
      notBefore: new Date(x509.validFrom),
      notAfter: new Date(x509.validTo),
      keyType,
      keyBits,
      pem: x509.toString(),
    },
    der,
    x509,
    publicKey,
    issuerDer,
    serialDer,
  };
}

/** Node's view of a certificate, for any key type; S-007 when it cannot be read. */
export function readX509(input: string | Buffer): X509Certificate {
  try {
    return new X509Certificate(input);
  } catch (cause) {
    throw new StorageError('S-007', 'not a readable X.509 certificate', {}, { cause });
  }
}

/** Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version?, serialNumber, signature, issuer, ... } } */
function issuerAndSerial(der: Buffer): { issuerDer: Buffer; serialDer: Buffer } {
  try {
    const tbs = children(children(fromDer(der), TAG.SEQUENCE, 'Certificate')[0], TAG.SEQUENCE, 'tbsCertificate');
    const first = isContext(tbs[0], 0) ? 1 : 0;
    const serial = tbs[first];
    const issuer = tbs[first + 2];
    if (serial?.type !== TAG.INTEGER || issuer === undefined) throw new Error('unexpected tbsCertificate layout');
    children(issuer, TAG.SEQUENCE, 'issuer');
    return { issuerDer: toDer(issuer), serialDer: toDer(serial) };
  } catch (cause) {
    throw new StorageError('S-007', 'certificate is not strict DER', {}, { cause });
  }
}


/**
 * Detached CMS (PKCS#7) SignedData over an OCFL inventory, RFC 5652, as one DER file.
 *
 *   ContentInfo { signedData, SignedData {
 *     version 1, digestAlgorithms { sha256 },
 *     encapContentInfo { id-data }            -- no eContent: the signature is detached
 *     certificates [0] { signer certificate }
 *     signerInfos { SignerInfo {
 *       version 1, sid IssuerAndSerialNumber, digestAlgorithm sha256,
 *       signedAttrs [0] { contentType id-data, signingTime, messageDigest SHA-256(content) },
 *       signatureAlgorithm rsaEncryption | ecdsa-with-SHA256,
 *       signature over DER(SET OF signedAttrs) } } } }
 *
 * Anyone can check it without Bevara (OpenSSL 3.0; tested in cms.test.ts):
 *
 *   openssl cms -verify -binary -inform DER -in v1/inventory.json.p7s -content v1/inventory.json \
 *     -CAfile keys/trusted.pem -partial_chain -purpose any -out /dev/null
 *
 * `-partial_chain` lets the archive's own certificate be the trust anchor even when a CA issued it
 * (a municipality's imported certificate); `-purpose any` because the certificate need not carry the
 * S/MIME key usages. For a signature made before its certificate expired, add `-no_check_time`
 * (openssl checks validity at the current time; `verifyDetached` instead checks that the signing
 * time lies inside the certificate's validity).
 *
 * Signing uses node:crypto (native RSA/ECDSA, a few ms per signature); forge only builds and
 * reads the ASN.1. forge cannot verify PKCS#7, so verification is written out here.
 */
import { createHash, type KeyObject, sign, verify } from 'node:crypto';
import { StorageError } from '../errors.ts';
import { parseCertificate, type ParsedCertificate } from './certificate.ts';
import {
  children,
  explicit,
  fromDer,
  implicitSet,
  integer,
  isContext,
  MalformedDer,
  nullValue,
  octetString,
  oid,
  primitive,
  readOid,
  readTime,
  retagAsSet,
  sequence,
  setOf,
  TAG,
  time,
  toDer,
  type Asn1,
} from './der.ts';
import type { SignatureCheck, TrustedCertificate } from './signer.ts';

const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  sha256: '2.16.840.1.101.3.4.2.1',
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
} as const;

/** An inventory signature is a few KB; anything far larger is not ours and is not parsed. */
const MAX_SIGNATURE_BYTES = 1024 * 1024;

function sha256(data: Buffer): Buffer {
  return createHash('sha256').update(data).digest();
}

function attribute(type: string, value: Asn1): Asn1 {
  return sequence([oid(type), setOf([value])]);
}

/**
 * A signing key with its certificate, parsed once: thousands of inventories can be signed with
 * one instance. The key must belong to the certificate (S-007 otherwise).
 */
export class CmsSigner {
  readonly certificate: ParsedCertificate;
  private readonly key: KeyObject;
  private readonly certificateAsn1: Asn1;
  private readonly signatureAlgorithm: Asn1;

  constructor(key: KeyObject, certPem: string) {
    this.key = key;
    if (this.key.type !== 'private') throw new TypeError('CmsSigner needs a private key');
    this.certificate = parseCertificate(certPem);
    if (!this.certificate.x509.checkPrivateKey(this.key)) {
      throw new StorageError('S-007', 'the private key does not belong to the certificate', {
        fingerprint: this.certificate.info.fingerprint,
      });
    }
    this.certificateAsn1 = fromDer(this.certificate.der);
    this.signatureAlgorithm =
      this.certificate.info.keyType === 'rsa'
        ? sequence([oid(OID.rsaEncryption), nullValue()])
        : sequence([oid(OID.ecdsaWithSha256)]);
  }

  /** Detached signature over `data`. */
  sign(data: Buffer, signingTime: Date = new Date()): Buffer {
    return this.signDigest(sha256(data), signingTime);
  }

  /** Detached signature for content whose SHA-256 the caller computed while streaming it. */
  signDigest(contentSha256: Buffer, signingTime: Date = new Date()): Buffer {
    if (contentSha256.length !== 32) throw new TypeError('signDigest needs a 32-byte SHA-256 digest');
    const signedAttributes = [
      attribute(OID.contentType, oid(OID.data)),
      attribute(OID.signingTime, time(signingTime)),
      attribute(OID.messageDigest, octetString(contentSha256)),
    ];
    // The signature covers the attributes encoded as a universal SET (RFC 5652 5.4), while the
    // SignerInfo carries the same members under the implicit [0] tag.
    const toBeSigned = toDer(setOf(signedAttributes));
    const signature = sign('sha256', toBeSigned, this.key);
    const { issuerDer, serialDer } = this.certificate;
    const signerInfo = sequence([
      integer(1),
      sequence([fromDer(issuerDer), fromDer(serialDer)]),
      sequence([oid(OID.sha256)]),
      implicitSet(0, setOf(signedAttributes).value as Asn1[]),
      this.signatureAlgorithm,
      octetString(signature),
    ]);
    const signedData = sequence([
      integer(1),
      setOf([sequence([oid(OID.sha256)])]),
      sequence([oid(OID.data)]),
      implicitSet(0, [this.certificateAsn1]),
      setOf([signerInfo]),
    ]);
    return toDer(sequence([oid(OID.signedData), explicit(0, signedData)]));
  }
}

/** One-off detached signature; prefer a long-lived CmsSigner when signing many files. */
export function signDetached(data: Buffer, key: KeyObject, certPem: string): Buffer {
  return new CmsSigner(key, certPem).sign(data);
}

/**
 * Check a detached signature over `data` against the archive's certificates. Never throws for a
 * bad or malformed signature: the answer is `{ ok: false, reason }`.
 */
export function verifyDetached(
  signature: Buffer,
  data: Buffer,
  trusted: readonly TrustedCertificate[],
): SignatureCheck {
  return verifyDigest(signature, sha256(data), trusted);
}

/** As verifyDetached, for content whose SHA-256 the caller computed while streaming it. */
export function verifyDigest(
  signature: Buffer,
  contentSha256: Buffer,
  trusted: readonly TrustedCertificate[],
): SignatureCheck {
  if (signature.length > MAX_SIGNATURE_BYTES) {
    return { ok: false, reason: `malformed signature: ${signature.length} bytes is too large for an inventory signature` };
  }
  let parsed: ParsedSignature;
  try {
    parsed = parseSignedData(signature);
  } catch (e) {
    if (e instanceof MalformedDer || e instanceof StorageError || isForgeParseError(e)) {
      return { ok: false, reason: `malformed signature: ${(e as Error).message}` };
    }
    throw e;
  }
  return checkParsed(parsed, contentSha256, trusted);
}

/** forge's DER reader throws plain Errors; anything thrown while it reads is a malformed input. */
function isForgeParseError(e: unknown): boolean {
  return e instanceof Error && !(e instanceof TypeError) && !(e instanceof RangeError);
}

/**
 * Every signature of an archive carries the same certificate or two: verifying thousands (objects,
 * audit-log checkpoints) parses each once. Bounded; parsed certificates are never modified.
 */
const parsedEmbedded = new Map<string, ParsedCertificate>();
const PARSED_EMBEDDED_MAX = 32;

function embeddedCertificate(der: Buffer): ParsedCertificate {
  const key = der.toString('base64');
  let parsed = parsedEmbedded.get(key);
  if (!parsed) {
    parsed = parseCertificate(der);
    if (parsedEmbedded.size >= PARSED_EMBEDDED_MAX) parsedEmbedded.clear();
    parsedEmbedded.set(key, parsed);
  }
  return parsed;
}

interface ParsedSignature {
  messageDigest: Buffer;
  signingTime: Date | undefined;
  signedAttributesDer: Buffer;
  signatureAlgorithm: string;
  signatureValue: Buffer;
  certificate: ParsedCertificate;
}

function parseSignedData(der: Buffer): ParsedSignature {
  const contentInfo = children(fromDer(der), TAG.SEQUENCE, 'ContentInfo');
  if (readOid(contentInfo[0], 'contentType') !== OID.signedData) throw new MalformedDer('not a CMS SignedData');
  if (!isContext(contentInfo[1], 0)) throw new MalformedDer('SignedData content is missing');
  const signedData = children((contentInfo[1].value as Asn1[])[0], TAG.SEQUENCE, 'SignedData');

  const encap = children(signedData[2], TAG.SEQUENCE, 'encapContentInfo');
  if (readOid(encap[0], 'eContentType') !== OID.data) throw new MalformedDer('encapsulated content type is not id-data');
  if (encap.length > 1) throw new MalformedDer('signature is not detached (it carries the content)');

  let next = 3;
  const certificates: ParsedCertificate[] = [];
  if (isContext(signedData[next], 0)) {
    for (const cert of signedData[next]!.value as Asn1[]) certificates.push(embeddedCertificate(toDer(cert)));
    next += 1;
  }
  if (isContext(signedData[next], 1)) next += 1; // CRLs: not used by Bevara, allowed by RFC 5652
  const signerInfos = children(signedData[next], TAG.SET, 'signerInfos');
  if (signerInfos.length !== 1) throw new MalformedDer(`expected one SignerInfo, found ${signerInfos.length}`);

  const signerInfo = children(signerInfos[0], TAG.SEQUENCE, 'SignerInfo');
  const sid = children(signerInfo[1], TAG.SEQUENCE, 'sid (only IssuerAndSerialNumber is supported)');
  const issuerDer = toDer(sid[0] ?? nullValue());
  const serialDer = toDer(sid[1] ?? nullValue());
  const digestAlgorithm = readOid(children(signerInfo[2], TAG.SEQUENCE, 'digestAlgorithm')[0], 'digestAlgorithm');
  if (digestAlgorithm !== OID.sha256) throw new MalformedDer(`digest algorithm ${digestAlgorithm} is not SHA-256`);
  const signedAttrs = signerInfo[3];
  if (!isContext(signedAttrs, 0)) throw new MalformedDer('signed attributes are missing');

  const attributes = new Map<string, Asn1>();
  for (const attr of signedAttrs.value as Asn1[]) {
    const [typeNode, valuesNode] = children(attr, TAG.SEQUENCE, 'signed attribute');
    const type = readOid(typeNode, 'attribute type');
    const values = children(valuesNode, TAG.SET, `attribute ${type} values`);
    if (attributes.has(type) || values.length !== 1) throw new MalformedDer(`attribute ${type} must occur once with one value`);
    attributes.set(type, values[0]!);
  }
  if (readOid(attributes.get(OID.contentType), 'contentType attribute') !== OID.data) {
    throw new MalformedDer('contentType attribute is not id-data');
  }
  const messageDigest = primitive(attributes.get(OID.messageDigest), TAG.OCTET_STRING, 'messageDigest attribute');
  const signingTimeNode = attributes.get(OID.signingTime);
  const signingTime = signingTimeNode === undefined ? undefined : readTime(signingTimeNode, 'signingTime attribute');

  const signatureAlgorithm = readOid(children(signerInfo[4], TAG.SEQUENCE, 'signatureAlgorithm')[0], 'signatureAlgorithm');
  const signatureValue = primitive(signerInfo[5], TAG.OCTET_STRING, 'signature');

  const certificate = certificates.find((c) => c.issuerDer.equals(issuerDer) && c.serialDer.equals(serialDer));
  if (certificate === undefined) throw new MalformedDer('the signer certificate is not embedded in the signature');

  return {
    messageDigest,
    signingTime,
    signedAttributesDer: toDer(retagAsSet(signedAttrs)),
    signatureAlgorithm,
    signatureValue,
    certificate,
  };
}

function checkParsed(parsed: ParsedSignature, contentSha256: Buffer, trusted: readonly TrustedCertificate[]): SignatureCheck {
  const { certificate, signingTime } = parsed;
  const { fingerprint, subject, keyType, notBefore, notAfter } = certificate.info;
  if (!parsed.messageDigest.equals(contentSha256)) {
    return { ok: false, reason: 'content does not match the signature (messageDigest differs from SHA-256 of the data)' };
  }
  if (!trusted.some((t) => t.fingerprint.toLowerCase() === fingerprint)) {
    return { ok: false, reason: `signer certificate ${fingerprint} (${subject}) is not one of the archive's certificates` };
  }
  const algorithmFits =
    keyType === 'rsa'
      ? parsed.signatureAlgorithm === OID.rsaEncryption || parsed.signatureAlgorithm === OID.sha256WithRSAEncryption
      : parsed.signatureAlgorithm === OID.ecdsaWithSha256;
  if (!algorithmFits) {
    return { ok: false, reason: `signature algorithm ${parsed.signatureAlgorithm} does not fit the ${keyType} certificate` };
  }
  if (!verify('sha256', parsed.signedAttributesDer, certificate.publicKey, parsed.signatureValue)) {
    return { ok: false, reason: 'signature value does not verify with the signer certificate' };
  }
  if (signingTime !== undefined && (signingTime < notBefore || signingTime > notAfter)) {
    return {
      ok: false,
      reason: `signing time ${signingTime.toISOString()} lies outside the certificate's validity (${notBefore.toISOString()} to ${notAfter.toISOString()})`,
    };
  }
  return signingTime === undefined ? { ok: true, signer: fingerprint, subject } : { ok: true, signer: fingerprint, subject, signingTime };
}

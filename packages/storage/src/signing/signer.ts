/**
 * What the rest of storage needs from the archive's key: detached CMS signatures that
 * `openssl cms -verify -binary -inform DER -in SIG -content FILE -CAfile keys/trusted.pem -partial_chain -purpose any`
 * accepts (the exact command and its flags are explained in cms.ts).
 */
export interface Signer {
  /** DER-encoded CMS SignedData, detached, SHA-256, signed attributes (contentType, messageDigest, signingTime), the certificate embedded. */
  signDetached(data: Buffer): Buffer;
  /** PEM of the signing certificate. */
  readonly certificatePem: string;
  /** Lower-case hex SHA-256 of the certificate's DER. */
  readonly fingerprint: string;
}

/** Certificates a verifier trusts: the archive's current one and every retired one. */
export interface TrustedCertificate {
  pem: string;
  fingerprint: string;
}

export type SignatureCheck =
  /** `signer` is the signing certificate's fingerprint (as in TrustedCertificate), `subject` its DN. */
  | { ok: true; signer: string; subject: string; signingTime?: Date }
  | { ok: false; reason: string };

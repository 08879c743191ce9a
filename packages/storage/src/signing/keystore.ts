/**
 * The archive's signing key and every certificate it has ever signed with, in its `keys/` folder.
 *
 *   keys/
 *     current.cert.pem              the certificate new signatures are made with. Replacing this
 *                                   file is the instant a key rotation takes effect.
 *     private/<fingerprint>.key.pem its private key: PKCS#8 PEM, file 0600, folder 0700; encrypted
 *                                   (PBES2, AES-256-CBC) when BEVARA_KEY_PASSPHRASE is set
 *     retired/<fingerprint>.cert.pem  every earlier certificate; old signatures still verify with them
 *     trusted.pem                   current and retired certificates in one file, derived, for
 *                                   `openssl cms -verify ... -CAfile keys/trusted.pem -partial_chain` (see cms.ts)
 *
 * <fingerprint> is the lower-case hex SHA-256 of the certificate's DER, i.e.
 * `openssl x509 -in F -outform DER | sha256sum`.
 *
 * A rotation (init or import while a key exists) runs in this order, each file written
 * atomically (temp + fsync + rename):
 *   1. the new key and certificate are checked in memory (keypolicy.ts); a refusal writes nothing;
 *   2. the old certificate is copied to retired/, so no crash can lose it;
 *   3. the new private key is written to private/;
 *   4. current.cert.pem is replaced: the commit point;
 *   5. the old private key is deleted, and trusted.pem rewritten.
 * A crash before 4 leaves the old key current (plus an unused file in private/); after 4 the new
 * one. Nothing needs repair on open, except trusted.pem, which is rewritten when it is stale.
 * Two rotations at once are the caller's to prevent (the archive's write lock).
 */
import { type KeyObject, createPrivateKey } from 'node:crypto';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { StorageError } from '../errors.ts';
import { fileStamp } from '../file-stamp.ts';
import { syncDirectory, writeFileAtomic } from './atomic.ts';
import { parseCertificate, type CertificateInfo, type ParsedCertificate } from './certificate.ts';
import type { CmsSigner } from './cms.ts';
import { readKeyMaterial, MAX_KEY_FILE_BYTES } from './keyfile.ts';
import { checkSigningPair, signingPair } from './keypolicy.ts';
import { createSelfSigned, type SelfSignedOptions } from './selfsigned.ts';
import type { Signer, TrustedCertificate } from './signer.ts';

export type { CertificateInfo } from './certificate.ts';

export interface KeyStoreOptions {
  /** Encrypts the stored private key; defaults to the BEVARA_KEY_PASSPHRASE environment variable. */
  passphrase?: string;
}

const CURRENT_CERT = 'current.cert.pem';
const PRIVATE_DIR = 'private';
const RETIRED_DIR = 'retired';
const TRUSTED_BUNDLE = 'trusted.pem';
const FINGERPRINT = /^[0-9a-f]{64}$/;

export class KeyStore {
  private cachedSigner: Signer | undefined;

  private constructor(
    readonly dir: string,
    private readonly passphrase: string | undefined,
    private currentCert: ParsedCertificate | null,
    private retiredCerts: ParsedCertificate[],
    /** fileStamp of the current certificate as read. */
    private currentStamp: string,
  ) {}

  /** Reads the folder; a folder that does not exist yet is an empty key store. */
  static async open(dir: string, options: KeyStoreOptions = {}): Promise<KeyStore> {
    const passphrase = options.passphrase ?? nonEmpty(process.env.BEVARA_KEY_PASSPHRASE);
    const { currentCert, retired, stamp } = readCertificates(dir);
    const store = new KeyStore(dir, passphrase, currentCert, retired, stamp);
    await store.refreshTrustedBundle();
    return store;
  }

  /**
   * Reads the certificates again when another process made a new key current since they were read (a rotation
   * while a server runs): every answer below comes from the folder as it is, so this process signs with the new
   * key and trusts its signatures. A look at one file's stamp when nothing changed.
   */
  private followRotation(): void {
    if (fileStamp(path.join(this.dir, CURRENT_CERT)) === this.currentStamp) return;
    const { currentCert, retired, stamp } = readCertificates(this.dir);
    this.currentCert = currentCert;
    this.retiredCerts = retired;
    this.currentStamp = stamp;
  }

  /** The certificate new signatures are made with, or null before the first `init`/`import`. */
  current(): CertificateInfo | null {
    this.followRotation();
    return this.currentCert?.info ?? null;
  }

  /** Earlier certificates, newest first. */
  retired(): CertificateInfo[] {
    this.followRotation();
    return this.retiredCerts.map((c) => c.info);
  }

  /** Every certificate a signature of this archive may name: the current one first, then the retired. */
  certificates(): TrustedCertificate[] {
    this.followRotation();
    return [...(this.currentCert ? [this.currentCert.info] : []), ...this.retiredCerts.map((c) => c.info)];
  }

  /** Creates a self-signed RSA 3072 key and certificate and makes it current (retiring any old one). */
  async init(options: SelfSignedOptions = {}): Promise<CertificateInfo> {
    const { key, certPem } = await createSelfSigned(options);
    return this.install(key, parseCertificate(certPem));
  }

  /** Makes a municipality's key current: PKCS#12 (.p12/.pfx) or PEM, see keyfile.ts. */
  async import(file: string, password?: string): Promise<CertificateInfo> {
    let bytes: Buffer;
    try {
      bytes = await readBounded(file);
    } catch (cause) {
      if (cause instanceof StorageError) throw cause;
      throw new StorageError('S-007', `cannot read key file ${file}`, { path: file }, { cause });
    }
    const { key, certificate } = readKeyMaterial(bytes, password);
    return this.install(key, certificate);
  }

  /** The current key as a Signer, parsed once and cached. S-010 without a key. */
  signer(): Signer {
    this.followRotation();
    const current = this.currentCert;
    if (current === null) {
      throw new StorageError('S-010', 'the archive has no signing key; run `bevara keys init` or `bevara keys import FILE`');
    }
    if (this.cachedSigner?.fingerprint !== current.info.fingerprint) {
      this.cachedSigner = archiveSigner(signingPair(this.loadPrivateKey(current), current));
    }
    return this.cachedSigner;
  }

  private loadPrivateKey(current: ParsedCertificate): KeyObject {
    const file = path.join(this.dir, PRIVATE_DIR, `${current.info.fingerprint}.key.pem`);
    let pem: string;
    try {
      pem = readFileSync(file, 'utf8');
    } catch (cause) {
      throw new StorageError('S-010', `the private key of certificate ${current.info.fingerprint} is missing`, { path: file }, { cause });
    }
    const encrypted = pem.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----');
    if (encrypted && this.passphrase === undefined) {
      throw new StorageError('S-008', 'the archive key is encrypted; set BEVARA_KEY_PASSPHRASE', { path: file });
    }
    try {
      return createPrivateKey(encrypted ? { key: pem, format: 'pem', passphrase: this.passphrase } : { key: pem, format: 'pem' });
    } catch (cause) {
      if (encrypted) throw new StorageError('S-008', 'BEVARA_KEY_PASSPHRASE does not decrypt the archive key', { path: file }, { cause });
      throw new StorageError('S-007', 'the stored private key is not readable', { path: file }, { cause });
    }
  }

  /** Steps 1-5 of the rotation described at the top of this file. */
  private async install(key: KeyObject, certificate: ParsedCertificate): Promise<CertificateInfo> {
    checkSigningPair(key, certificate);
    const fingerprint = certificate.info.fingerprint;
    this.followRotation();
    const old = this.currentCert;
    const privateDir = path.join(this.dir, PRIVATE_DIR);
    const retiredDir = path.join(this.dir, RETIRED_DIR);
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await mkdir(privateDir, { recursive: true, mode: 0o700 });
    await mkdir(retiredDir, { recursive: true });

    if (old !== null && old.info.fingerprint !== fingerprint) {
      await writeFileAtomic(path.join(retiredDir, `${old.info.fingerprint}.cert.pem`), old.info.pem);
    }
    const keyPem = key.export(
      this.passphrase === undefined
        ? { type: 'pkcs8', format: 'pem' }
        : { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: this.passphrase },
    );
    await writeFileAtomic(path.join(privateDir, `${fingerprint}.key.pem`), keyPem.toString(), 0o600);
    await writeFileAtomic(path.join(this.dir, CURRENT_CERT), certificate.info.pem);

    this.currentCert = certificate;
    this.currentStamp = fileStamp(path.join(this.dir, CURRENT_CERT));
    this.cachedSigner = undefined;
    if (old !== null && old.info.fingerprint !== fingerprint) {
      await rm(path.join(privateDir, `${old.info.fingerprint}.key.pem`), { force: true });
      await syncDirectory(privateDir);
    }
    this.retiredCerts = readRetired(this.dir, fingerprint);
    await this.refreshTrustedBundle();
    return certificate.info;
  }

  /** trusted.pem is derived from the other files; rewritten only when it differs (e.g. after a crash). */
  private async refreshTrustedBundle(): Promise<void> {
    const bundle = this.certificates().map((c) => c.pem).join('');
    if (bundle === '') return;
    const file = path.join(this.dir, TRUSTED_BUNDLE);
    if ((await readOptional(file)) !== bundle) await writeFileAtomic(file, bundle);
  }
}

/**
 * The current certificate (null before the first key), the retired ones, and the current one's fileStamp. Read
 * synchronously: a few small files, read again only after a rotation.
 */
function readCertificates(dir: string): { currentCert: ParsedCertificate | null; retired: ParsedCertificate[]; stamp: string } {
  // stamped before it is read: a rotation in between is seen as one at the next look, never missed
  const stamp = fileStamp(path.join(dir, CURRENT_CERT));
  let current: string | undefined;
  try {
    current = readFileSync(path.join(dir, CURRENT_CERT), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const currentCert = current === undefined ? null : parseStored(current, CURRENT_CERT);
  return { currentCert, retired: readRetired(dir, currentCert?.info.fingerprint), stamp };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

async function readBounded(file: string): Promise<Buffer> {
  const { size } = await stat(file);
  if (size > MAX_KEY_FILE_BYTES) {
    throw new StorageError('S-007', `${file} is ${size} bytes; a key file is at most ${MAX_KEY_FILE_BYTES}`, { path: file });
  }
  return readFile(file);
}

function parseStored(pem: string, name: string): ParsedCertificate {
  try {
    return parseCertificate(pem);
  } catch (cause) {
    throw new StorageError('S-007', `keys/${name} is not a readable certificate`, { path: name }, { cause });
  }
}

/** Retired certificates, newest first; a file whose name is not its fingerprint is refused (S-007). */
function readRetired(dir: string, currentFingerprint: string | undefined): ParsedCertificate[] {
  let names: string[];
  try {
    names = readdirSync(path.join(dir, RETIRED_DIR));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: ParsedCertificate[] = [];
  for (const name of names) {
    const match = /^([0-9a-f]+)\.cert\.pem$/.exec(name);
    if (match === null) continue; // temp files of an interrupted write
    const fingerprint = match[1]!;
    // A crash between steps 2 and 4 leaves the current certificate in retired/ as well.
    if (fingerprint === currentFingerprint) continue;
    const cert = parseStored(readFileSync(path.join(dir, RETIRED_DIR, name), 'utf8'), `${RETIRED_DIR}/${name}`);
    if (!FINGERPRINT.test(fingerprint) || cert.info.fingerprint !== fingerprint) {
      throw new StorageError('S-007', `keys/${RETIRED_DIR}/${name} holds certificate ${cert.info.fingerprint}; the name must be its fingerprint`, {
        path: `${RETIRED_DIR}/${name}`,
      });
    }
    out.push(cert);
  }
  return out.sort((a, b) => b.info.notBefore.getTime() - a.info.notBefore.getTime());
}

/**
 * The Signer the rest of storage uses. It refuses to sign once the certificate has expired:
 * openssl would reject such signatures, and a long-running server may outlive its certificate.
 */
function archiveSigner(cms: CmsSigner): Signer {
  const { pem, fingerprint, notAfter } = cms.certificate.info;
  return {
    certificatePem: pem,
    fingerprint,
    signDetached(data: Buffer): Buffer {
      const now = new Date();
      if (now > notAfter) {
        throw new StorageError('S-007', `the archive certificate ${fingerprint} expired on ${notAfter.toISOString()}; run \`bevara keys init\` or \`bevara keys import FILE\``, {
          fingerprint,
        });
      }
      return cms.sign(data, now);
    },
  };
}

import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isBevaraError } from '../errors.ts';
import { verifyDetached } from './cms.ts';
import { KeyStore } from './keystore.ts';
import { datedCertificate, mustOpenssl, opensslVerifies, RSA_2048, selfSigned, tempDir } from './openssl.testing.ts';

const data = Buffer.from('{"head":"v1"}\n');

async function expectCode(action: () => Promise<unknown> | unknown, code: string, message?: RegExp): Promise<void> {
  let thrown: unknown;
  try {
    await action();
  } catch (e) {
    thrown = e;
  }
  expect(isBevaraError(thrown, code), `expected ${code}, got ${String(thrown)}`).toBe(true);
  if (message) expect((thrown as Error).message).toMatch(message);
}

/** Every file under dir with its bytes, to prove a refused import changed nothing. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const file = path.join(entry.parentPath, entry.name);
      out[path.relative(dir, file)] = readFileSync(file).toString('base64');
    }
  }
  return out;
}

/** openssl's own SHA-256 fingerprint of a certificate, lower-case hex without colons. */
function opensslFingerprint(dir: string, certFile: string): string {
  const out = mustOpenssl(['x509', '-in', certFile, '-noout', '-fingerprint', '-sha256'], dir);
  return out.split('=')[1]!.trim().replaceAll(':', '').toLowerCase();
}

function certificateValid(from: Date, to: Date): string {
  const { keyPem, certPem } = datedCertificate(from, to);
  return keyPem + certPem;
}

describe('KeyStore', () => {
  let tmp: ReturnType<typeof tempDir>;
  let keys: string;
  beforeEach(() => {
    tmp = tempDir();
    keys = path.join(tmp.dir, 'keys');
  });
  afterEach(() => {
    vi.useRealTimers();
    tmp.cleanup();
  });

  /** A municipality's PEM bundle: key then certificate, as `cat key.pem cert.pem` makes it. */
  function pemBundle(name: string, keyArgs: string[]): string {
    const files = selfSigned(tmp.dir, name, keyArgs);
    const bundle = path.join(tmp.dir, `${name}.bundle.pem`);
    writeFileSync(bundle, readFileSync(files.key, 'utf8') + readFileSync(files.cert, 'utf8'));
    return bundle;
  }

  it('has no signing key before init (S-010)', async () => {
    const store = await KeyStore.open(keys);
    expect(store.current()).toBeNull();
    expect(store.certificates()).toEqual([]);
    await expectCode(() => store.signer(), 'S-010');
  });

  it('init makes a self-signed RSA 3072 certificate whose signatures openssl accepts', async () => {
    const store = await KeyStore.open(keys);
    const info = await store.init({ subject: 'CN=Bevara, O=Göteborgs Stad, C=SE', days: 365 });
    expect(info).toMatchObject({ keyType: 'rsa', keyBits: 3072, subject: 'CN=Bevara, O=Göteborgs Stad, C=SE' });
    expect(info.subject).toBe(info.issuer);
    const days = (info.notAfter.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(364.9);
    expect(days).toBeLessThan(365.1);
    expect(opensslFingerprint(tmp.dir, path.join(keys, 'current.cert.pem'))).toBe(info.fingerprint);
    expect(statSync(path.join(keys, 'private', `${info.fingerprint}.key.pem`)).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(keys, 'private')).mode & 0o777).toBe(0o700);

    const signer = store.signer();
    expect(signer.fingerprint).toBe(info.fingerprint);
    const signature = signer.signDetached(data);
    expect(verifyDetached(signature, data, store.certificates())).toMatchObject({ ok: true, signer: info.fingerprint });
    expect(opensslVerifies(tmp.dir, signature, data, path.join(keys, 'trusted.pem')).ok).toBe(true);
    // The stock command with no Bevara-specific flags works for the self-signed certificate as well.
    const plain = mustOpenssl(['cms', '-verify', '-binary', '-inform', 'DER', '-in', 'verify.p7s', '-content', 'verify.content', '-CAfile', path.join(keys, 'current.cert.pem'), '-out', '/dev/null'], tmp.dir);
    expect(plain).toBe('');
  });

  it('refuses a malformed subject or validity with S-007', async () => {
    const store = await KeyStore.open(keys);
    await expectCode(() => store.init({ subject: 'Bevara' }), 'S-007', /CN=Name/);
    await expectCode(() => store.init({ subject: 'CN=x, C=Sweden' }), 'S-007', /two capital letters/);
    await expectCode(() => store.init({ days: 0 }), 'S-007', /1 to 36500/);
    expect(existsSync(keys)).toBe(false);
  });

  it('imports a PKCS#12 made by openssl pkcs12 -export, with the right password', async () => {
    const files = selfSigned(tmp.dir, 'municipality', RSA_2048);
    mustOpenssl(['pkcs12', '-export', '-inkey', files.key, '-in', files.cert, '-out', 'm.p12', '-passout', 'pass:hemligt'], tmp.dir);
    const store = await KeyStore.open(keys);
    const info = await store.import(path.join(tmp.dir, 'm.p12'), 'hemligt');
    expect(info).toMatchObject({ keyType: 'rsa', keyBits: 2048, subject: 'CN=municipality, O=Test kommun, C=SE' });
    expect(info.fingerprint).toBe(opensslFingerprint(tmp.dir, files.cert));
    const signature = store.signer().signDetached(data);
    expect(opensslVerifies(tmp.dir, signature, data, files.cert).ok).toBe(true);
  });

  it('imports an old-style PKCS#12 (3DES, SHA-1 MAC) as Windows exports it', async () => {
    const files = selfSigned(tmp.dir, 'windows', RSA_2048);
    const legacy = ['-certpbe', 'PBE-SHA1-3DES', '-keypbe', 'PBE-SHA1-3DES', '-macalg', 'sha1'];
    mustOpenssl(['pkcs12', '-export', ...legacy, '-inkey', files.key, '-in', files.cert, '-out', 'w.pfx', '-passout', 'pass:pw'], tmp.dir);
    const info = await (await KeyStore.open(keys)).import(path.join(tmp.dir, 'w.pfx'), 'pw');
    expect(info.fingerprint).toBe(opensslFingerprint(tmp.dir, files.cert));
  });

  it('answers a wrong or missing PKCS#12 password with S-008', async () => {
    const files = selfSigned(tmp.dir, 'municipality', RSA_2048);
    mustOpenssl(['pkcs12', '-export', '-inkey', files.key, '-in', files.cert, '-out', 'm.p12', '-passout', 'pass:hemligt'], tmp.dir);
    const store = await KeyStore.open(keys);
    await expectCode(() => store.import(path.join(tmp.dir, 'm.p12'), 'fel'), 'S-008');
    await expectCode(() => store.import(path.join(tmp.dir, 'm.p12')), 'S-008');
    expect(store.current()).toBeNull();
  });

  it('imports PEM with a plain key, an encrypted PKCS#8 key and an encrypted traditional RSA key', async () => {
    const store = await KeyStore.open(keys);
    expect((await store.import(pemBundle('plain', RSA_2048))).subject).toBe('CN=plain, O=Test kommun, C=SE');

    const files = selfSigned(tmp.dir, 'enc', RSA_2048);
    mustOpenssl(['pkcs8', '-topk8', '-in', files.key, '-out', 'enc.p8.pem', '-v2', 'aes-256-cbc', '-passout', 'pass:pw'], tmp.dir);
    mustOpenssl(['rsa', '-in', files.key, '-traditional', '-aes128', '-passout', 'pass:pw', '-out', 'enc.trad.pem'], tmp.dir);
    const cert = readFileSync(files.cert, 'utf8');
    for (const keyFile of ['enc.p8.pem', 'enc.trad.pem']) {
      const bundle = path.join(tmp.dir, `${keyFile}.bundle`);
      writeFileSync(bundle, cert + readFileSync(path.join(tmp.dir, keyFile), 'utf8'));
      await expectCode(() => store.import(bundle, 'wrong'), 'S-008', /wrong password/);
      await expectCode(() => store.import(bundle), 'S-008', /give its password/);
      expect((await store.import(bundle, 'pw')).fingerprint).toBe(opensslFingerprint(tmp.dir, files.cert));
    }
  });

  it('imports EC P-256 keys, and openssl verifies their signatures', async () => {
    const store = await KeyStore.open(keys);
    const info = await store.import(pemBundle('ec', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']));
    expect(info).toMatchObject({ keyType: 'ec', keyBits: 256 });
    const signature = store.signer().signDetached(data);
    expect(opensslVerifies(tmp.dir, signature, data, path.join(keys, 'trusted.pem')).ok).toBe(true);
  });

  it('imports an EC key from PKCS#12 too', async () => {
    const files = selfSigned(tmp.dir, 'ec12', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384']);
    mustOpenssl(['pkcs12', '-export', '-inkey', files.key, '-in', files.cert, '-out', 'ec.p12', '-passout', 'pass:pw'], tmp.dir);
    const info = await (await KeyStore.open(keys)).import(path.join(tmp.dir, 'ec.p12'), 'pw');
    expect(info).toMatchObject({ keyType: 'ec', keyBits: 384, fingerprint: opensslFingerprint(tmp.dir, files.cert) });
  });

  it('refuses Ed25519 keys and other EC curves with S-009', async () => {
    const store = await KeyStore.open(keys);
    await expectCode(() => store.import(pemBundle('ed', ['-algorithm', 'ED25519'])), 'S-009', /ed25519 keys are not supported; use RSA/);
    await expectCode(() => store.import(pemBundle('k1', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:secp256k1'])), 'S-009', /curve secp256k1/);
  });

  it('refuses an RSA key shorter than 2048 bits with S-007', async () => {
    const store = await KeyStore.open(keys);
    const bundle = pemBundle('short', ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024']);
    await expectCode(() => store.import(bundle), 'S-007', /1024 bits; at least 2048/);
  });

  it('refuses a key with a certificate that is not its own (S-007)', async () => {
    const a = selfSigned(tmp.dir, 'a', RSA_2048);
    const b = selfSigned(tmp.dir, 'b', RSA_2048);
    const bundle = path.join(tmp.dir, 'mismatch.pem');
    writeFileSync(bundle, readFileSync(a.key, 'utf8') + readFileSync(b.cert, 'utf8'));
    await expectCode(async () => (await KeyStore.open(keys)).import(bundle), 'S-007', /belongs to its private key/);
  });

  it('refuses expired and not-yet-valid certificates (S-007)', async () => {
    const store = await KeyStore.open(keys);
    const day = 86_400_000;
    const expired = path.join(tmp.dir, 'expired.pem');
    writeFileSync(expired, certificateValid(new Date(Date.now() - 30 * day), new Date(Date.now() - day)));
    await expectCode(() => store.import(expired), 'S-007', /expired on/);
    const future = path.join(tmp.dir, 'future.pem');
    writeFileSync(future, certificateValid(new Date(Date.now() + day), new Date(Date.now() + 30 * day)));
    await expectCode(() => store.import(future), 'S-007', /not valid until/);
  });

  it('refuses files that are no key file at all (S-007)', async () => {
    const store = await KeyStore.open(keys);
    const junk = path.join(tmp.dir, 'junk.p12');
    writeFileSync(junk, 'this is not a key');
    await expectCode(() => store.import(junk, 'pw'), 'S-007', /neither PEM nor/);
    await expectCode(() => store.import(path.join(tmp.dir, 'missing.p12')), 'S-007', /cannot read/);
    const certOnly = selfSigned(tmp.dir, 'c', RSA_2048).cert;
    await expectCode(() => store.import(certOnly), 'S-007', /0 private keys/);
  });

  it('retires the old certificate on rotation: old signatures still verify, also with openssl', async () => {
    const store = await KeyStore.open(keys);
    const first = await store.init();
    const oldSignature = store.signer().signDetached(data);

    const second = await store.import(pemBundle('next', RSA_2048));
    expect(store.current()?.fingerprint).toBe(second.fingerprint);
    expect(store.retired().map((c) => c.fingerprint)).toEqual([first.fingerprint]);
    expect(store.certificates().map((c) => c.fingerprint)).toEqual([second.fingerprint, first.fingerprint]);
    expect(store.signer().fingerprint).toBe(second.fingerprint);
    expect(existsSync(path.join(keys, 'retired', `${first.fingerprint}.cert.pem`))).toBe(true);
    // The retired private key is gone; only the current one can sign.
    expect(readdirSync(path.join(keys, 'private'))).toEqual([`${second.fingerprint}.key.pem`]);

    const reopened = await KeyStore.open(keys);
    const newSignature = reopened.signer().signDetached(data);
    for (const signature of [oldSignature, newSignature]) {
      expect(verifyDetached(signature, data, reopened.certificates()).ok).toBe(true);
      expect(opensslVerifies(tmp.dir, signature, data, path.join(keys, 'trusted.pem')).ok).toBe(true);
    }
    // Without the retired certificate the old signature is no longer trusted.
    expect(verifyDetached(oldSignature, data, [reopened.current()!]).ok).toBe(false);
  });

  it('leaves the current key untouched when an import is refused', async () => {
    const store = await KeyStore.open(keys);
    const first = await store.init();
    const before = snapshot(keys);
    const files = selfSigned(tmp.dir, 'p', RSA_2048);
    mustOpenssl(['pkcs12', '-export', '-inkey', files.key, '-in', files.cert, '-out', 'p.p12', '-passout', 'pass:x'], tmp.dir);
    await expectCode(() => store.import(path.join(tmp.dir, 'p.p12'), 'y'), 'S-008');
    await expectCode(() => store.import(pemBundle('weak', ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024'])), 'S-007');
    await expectCode(() => store.import(pemBundle('edwards', ['-algorithm', 'ED25519'])), 'S-009');
    expect(snapshot(keys)).toEqual(before);
    expect(store.current()?.fingerprint).toBe(first.fingerprint);
    expect(verifyDetached(store.signer().signDetached(data), data, store.certificates()).ok).toBe(true);
  });

  it('encrypts the stored key with BEVARA_KEY_PASSPHRASE and needs it to sign (S-008)', async () => {
    const info = await (await KeyStore.open(keys, { passphrase: 'arkiv' })).init();
    const keyFile = path.join(keys, 'private', `${info.fingerprint}.key.pem`);
    expect(readFileSync(keyFile, 'utf8')).toContain('BEGIN ENCRYPTED PRIVATE KEY');

    const withoutPassphrase = await KeyStore.open(keys, { passphrase: undefined });
    expect(withoutPassphrase.current()?.fingerprint).toBe(info.fingerprint);
    if (process.env.BEVARA_KEY_PASSPHRASE === undefined) await expectCode(() => withoutPassphrase.signer(), 'S-008', /set BEVARA_KEY_PASSPHRASE/);
    await expectCode(async () => (await KeyStore.open(keys, { passphrase: 'fel' })).signer(), 'S-008');
    const signature = (await KeyStore.open(keys, { passphrase: 'arkiv' })).signer().signDetached(data);
    expect(verifyDetached(signature, data, withoutPassphrase.certificates()).ok).toBe(true);
  });

  it('survives a rotation interrupted before its commit point', async () => {
    const store = await KeyStore.open(keys);
    const first = await store.init();
    // What a crash between steps 2 and 4 leaves: the current certificate also in retired/, a new
    // key in private/ whose certificate never became current, and trusted.pem out of step.
    writeFileSync(path.join(keys, 'retired', `${first.fingerprint}.cert.pem`), first.pem);
    writeFileSync(path.join(keys, 'private', `${'0'.repeat(64)}.key.pem`), 'orphan', { mode: 0o600 });
    writeFileSync(path.join(keys, 'trusted.pem'), '');

    const reopened = await KeyStore.open(keys);
    expect(reopened.certificates().map((c) => c.fingerprint)).toEqual([first.fingerprint]);
    expect(readFileSync(path.join(keys, 'trusted.pem'), 'utf8')).toBe(first.pem);
    expect(verifyDetached(reopened.signer().signDetached(data), data, reopened.certificates()).ok).toBe(true);
  });

  it('refuses a retired certificate filed under another fingerprint (S-007)', async () => {
    const store = await KeyStore.open(keys);
    const first = await store.init();
    await store.init();
    writeFileSync(path.join(keys, 'retired', `${'a'.repeat(64)}.cert.pem`), first.pem);
    await expectCode(() => KeyStore.open(keys), 'S-007', /name must be its fingerprint/);
  });

  it('stops signing once the current certificate has expired (S-007)', async () => {
    const store = await KeyStore.open(keys);
    const info = await store.init({ days: 1 });
    const signer = store.signer();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date(info.notAfter.getTime() + 1000));
    await expectCode(() => signer.signDetached(data), 'S-007', /expired/);
  });
});

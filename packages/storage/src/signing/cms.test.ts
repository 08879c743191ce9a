import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBevaraError } from '../errors.ts';
import { parseCertificate } from './certificate.ts';
import { CmsSigner, signDetached, verifyDetached } from './cms.ts';
import { datedCertificate, mustOpenssl, openssl, opensslVerifies, RSA_2048, selfSigned, tempDir } from './openssl.testing.ts';
import type { TrustedCertificate } from './signer.ts';

const inventory = Buffer.from('{"id":"urn:uuid:0b9c","head":"v1","type":"https://ocfl.io/1.1/spec/#inventory"}\n');

interface Identity {
  key: KeyObject;
  certPem: string;
  certFile: string;
  trusted: TrustedCertificate;
}

function identity(dir: string, name: string, keyArgs: string[]): Identity {
  const files = selfSigned(dir, name, keyArgs);
  const certPem = readFileSync(files.cert, 'utf8');
  return {
    key: createPrivateKey(readFileSync(files.key)),
    certPem,
    certFile: files.cert,
    trusted: { pem: certPem, fingerprint: parseCertificate(certPem).info.fingerprint },
  };
}

function expectFailure(check: ReturnType<typeof verifyDetached>, reason: RegExp): void {
  expect(check.ok).toBe(false);
  if (!check.ok) expect(check.reason).toMatch(reason);
}

describe('detached CMS signatures', () => {
  const tmp = tempDir();
  let rsa: Identity;
  let other: Identity;
  beforeAll(() => {
    rsa = identity(tmp.dir, 'archive', RSA_2048);
    other = identity(tmp.dir, 'stranger', RSA_2048);
  });
  afterAll(() => tmp.cleanup());

  it('verifies its own signature and names the signer', () => {
    const before = Math.floor(Date.now() / 1000) * 1000;
    const check = verifyDetached(signDetached(inventory, rsa.key, rsa.certPem), inventory, [other.trusted, rsa.trusted]);
    expect(check).toMatchObject({ ok: true, signer: rsa.trusted.fingerprint, subject: 'CN=archive, O=Test kommun, C=SE' });
    if (check.ok) expect(check.signingTime!.getTime()).toBeGreaterThanOrEqual(before);
  });

  it('is accepted by openssl cms -verify, with no Bevara code', () => {
    const signature = signDetached(inventory, rsa.key, rsa.certPem);
    const run = opensslVerifies(tmp.dir, signature, inventory, rsa.certFile);
    expect(run.stderr).toContain('Verification successful');
    expect(run.ok).toBe(true);
    // openssl really looks at the content: other bytes fail.
    expect(opensslVerifies(tmp.dir, signature, Buffer.from('{}'), rsa.certFile).ok).toBe(false);
  });

  it('carries exactly the promised structure (openssl reads it back)', () => {
    writeFileSync(path.join(tmp.dir, 'structure.p7s'), signDetached(inventory, rsa.key, rsa.certPem));
    const printed = mustOpenssl(['cms', '-cmsout', '-print', '-inform', 'DER', '-in', 'structure.p7s'], tmp.dir);
    expect(printed).toContain('contentType: pkcs7-signedData');
    expect(printed).toContain('eContent: <ABSENT>');
    expect(printed).toContain('algorithm: sha256 (2.16.840.1.101.3.4.2.1)');
    for (const attribute of ['contentType', 'signingTime', 'messageDigest']) expect(printed).toContain(`object: ${attribute}`);
    expect(printed).toContain('subject: CN=archive, O=Test kommun, C=SE');
  });

  it('needs -partial_chain for a CA-issued certificate, which the documented command has', () => {
    mustOpenssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-subj', '/CN=Test CA', '-days', '30'], tmp.dir);
    mustOpenssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=Kommunarkiv'], tmp.dir);
    mustOpenssl(['x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'leaf.pem', '-days', '30'], tmp.dir);
    const leafPem = readFileSync(path.join(tmp.dir, 'leaf.pem'), 'utf8');
    const signature = signDetached(inventory, createPrivateKey(readFileSync(path.join(tmp.dir, 'leaf.key'))), leafPem);
    writeFileSync(path.join(tmp.dir, 'leaf.p7s'), signature);
    writeFileSync(path.join(tmp.dir, 'leaf.content'), inventory);
    const base = ['cms', '-verify', '-binary', '-inform', 'DER', '-in', 'leaf.p7s', '-content', 'leaf.content', '-CAfile', 'leaf.pem', '-out', '/dev/null'];
    expect(openssl(base, tmp.dir).ok).toBe(false);
    expect(opensslVerifies(tmp.dir, signature, inventory, 'leaf.pem').ok).toBe(true);
    const fingerprint = parseCertificate(leafPem).info.fingerprint;
    expect(verifyDetached(signature, inventory, [{ pem: leafPem, fingerprint }]).ok).toBe(true);
  });

  it('signs with EC P-256 keys too, and openssl accepts those', () => {
    const ec = identity(tmp.dir, 'ec', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']);
    const signature = signDetached(inventory, ec.key, ec.certPem);
    expect(verifyDetached(signature, inventory, [ec.trusted])).toMatchObject({ ok: true, signer: ec.trusted.fingerprint });
    expect(opensslVerifies(tmp.dir, signature, inventory, ec.certFile).ok).toBe(true);
  });

  it('verifies a detached signature that openssl made', () => {
    writeFileSync(path.join(tmp.dir, 'content'), inventory);
    mustOpenssl(['cms', '-sign', '-binary', '-outform', 'DER', '-in', 'content', '-signer', rsa.certFile, '-inkey', 'archive.key.pem', '-md', 'sha256', '-out', 'openssl.p7s'], tmp.dir);
    const signature = readFileSync(path.join(tmp.dir, 'openssl.p7s'));
    expect(verifyDetached(signature, inventory, [rsa.trusted])).toMatchObject({ ok: true, signer: rsa.trusted.fingerprint });
    expectFailure(verifyDetached(signature, Buffer.from('other'), [rsa.trusted]), /content does not match/);
  });

  it('refuses a signature that carries its content instead of being detached', () => {
    writeFileSync(path.join(tmp.dir, 'content'), inventory);
    mustOpenssl(['cms', '-sign', '-nodetach', '-binary', '-outform', 'DER', '-in', 'content', '-signer', rsa.certFile, '-inkey', 'archive.key.pem', '-out', 'attached.p7s'], tmp.dir);
    expectFailure(verifyDetached(readFileSync(path.join(tmp.dir, 'attached.p7s')), inventory, [rsa.trusted]), /malformed.*not detached/);
  });

  it('reports tampered content', () => {
    const signature = signDetached(inventory, rsa.key, rsa.certPem);
    const tampered = Buffer.from(inventory);
    tampered[10] = tampered[10]! ^ 0x01;
    expectFailure(verifyDetached(signature, tampered, [rsa.trusted]), /content does not match the signature/);
  });

  it('reports a flipped bit in the signature value', () => {
    const signature = signDetached(inventory, rsa.key, rsa.certPem);
    signature[signature.length - 1] = signature[signature.length - 1]! ^ 0x01;
    expectFailure(verifyDetached(signature, inventory, [rsa.trusted]), /signature value does not verify/);
  });

  it('reports an edited signed attribute (the signing time)', () => {
    const signature = signDetached(inventory, rsa.key, rsa.certPem);
    // The signing time is the last UTCTime (tag 0x17, 13 bytes) in the file; its seconds' first digit is at +12.
    const at = signature.lastIndexOf(Buffer.from([0x17, 0x0d])) + 2 + 10;
    signature[at] = signature[at] === 0x30 ? 0x31 : 0x30;
    expectFailure(verifyDetached(signature, inventory, [rsa.trusted]), /signature value does not verify/);
  });

  it('reports a signer that is not one of the trusted certificates', () => {
    const signature = signDetached(inventory, other.key, other.certPem);
    expectFailure(verifyDetached(signature, inventory, [rsa.trusted]), new RegExp(`${other.trusted.fingerprint}.*not one of`));
    expectFailure(verifyDetached(signature, inventory, []), /not one of the archive's certificates/);
  });

  it('reports a signing time outside the certificate validity', () => {
    const signer = new CmsSigner(rsa.key, rsa.certPem);
    const signature = signer.sign(inventory, new Date('2001-01-01T00:00:00Z'));
    expectFailure(verifyDetached(signature, inventory, [rsa.trusted]), /signing time 2001-01-01T00:00:00.000Z lies outside/);
  });

  it('still verifies a signature made before its certificate expired (openssl needs -no_check_time)', () => {
    const day = 86_400_000;
    const { keyPem, certPem } = datedCertificate(new Date(Date.now() - 30 * day), new Date(Date.now() - day));
    writeFileSync(path.join(tmp.dir, 'expired.pem'), certPem);
    const signature = new CmsSigner(createPrivateKey(keyPem), certPem).sign(inventory, new Date(Date.now() - 10 * day));
    const fingerprint = parseCertificate(certPem).info.fingerprint;
    expect(verifyDetached(signature, inventory, [{ pem: certPem, fingerprint }]).ok).toBe(true);
    expect(opensslVerifies(tmp.dir, signature, inventory, 'expired.pem').ok).toBe(false);
    const args = ['cms', '-verify', '-binary', '-inform', 'DER', '-in', 'verify.p7s', '-content', 'verify.content'];
    expect(openssl([...args, '-CAfile', 'expired.pem', '-partial_chain', '-purpose', 'any', '-no_check_time', '-out', '/dev/null'], tmp.dir).ok).toBe(true);
  });

  it('answers malformed input with a reason instead of throwing', () => {
    const good = signDetached(inventory, rsa.key, rsa.certPem);
    for (const bad of [Buffer.alloc(0), Buffer.from('not DER at all'), good.subarray(0, good.length - 20), Buffer.concat([good, Buffer.from([0])])]) {
      expectFailure(verifyDetached(bad, inventory, [rsa.trusted]), /^malformed signature: /);
    }
    expectFailure(verifyDetached(Buffer.alloc(2 * 1024 * 1024), inventory, [rsa.trusted]), /^malformed signature: .*too large/);
  });

  it('refuses to pair a key with a certificate it does not belong to (S-007)', () => {
    let thrown: unknown;
    try {
      new CmsSigner(other.key, rsa.certPem);
    } catch (e) {
      thrown = e;
    }
    expect(isBevaraError(thrown, 'S-007')).toBe(true);
  });

  it('signs fast enough for thousands of inventories with one CmsSigner', () => {
    const signer = new CmsSigner(rsa.key, rsa.certPem);
    const started = performance.now();
    for (let i = 0; i < 200; i++) signer.sign(inventory);
    // RSA 2048 natively takes ~1-3 ms; forge's pure-JS RSA would take far longer.
    expect(performance.now() - started).toBeLessThan(5000);
  });
});

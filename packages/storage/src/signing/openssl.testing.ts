/**
 * Test support for the signing tests: the real `openssl` binary makes the keys, certificates
 * and PKCS#12 files a municipality would bring, and checks our signatures without Bevara code.
 */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import forge from 'node-forge';

export function openssl(args: string[], cwd: string): { ok: boolean; stdout: string; stderr: string } {
  const run = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (run.error) throw run.error;
  return { ok: run.status === 0, stdout: run.stdout, stderr: run.stderr };
}

/** Runs openssl and fails the test with its stderr when it fails. */
export function mustOpenssl(args: string[], cwd: string): string {
  const run = openssl(args, cwd);
  if (!run.ok) throw new Error(`openssl ${args.join(' ')} failed:\n${run.stderr}`);
  return run.stdout;
}

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'bevara-signing-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `openssl req -x509` self-signed certificate with an unencrypted key: writes NAME.key.pem and NAME.cert.pem. */
export function selfSigned(dir: string, name: string, keyArgs: string[], days = 30): { key: string; cert: string } {
  const key = `${name}.key.pem`;
  const cert = `${name}.cert.pem`;
  mustOpenssl(['genpkey', ...keyArgs, '-out', key], dir);
  mustOpenssl(['req', '-x509', '-key', key, '-out', cert, '-subj', `/CN=${name}/O=Test kommun/C=SE`, '-days', String(days)], dir);
  return { key: path.join(dir, key), cert: path.join(dir, cert) };
}

export const RSA_2048 = ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'];

/** The command the storage-format doc quotes (see cms.ts); true when openssl accepts the signature. */
export function opensslVerifies(dir: string, signature: Buffer, content: Buffer, caFile: string): { ok: boolean; stderr: string } {
  writeFileSync(path.join(dir, 'verify.p7s'), signature);
  writeFileSync(path.join(dir, 'verify.content'), content);
  const args = ['cms', '-verify', '-binary', '-inform', 'DER', '-in', 'verify.p7s', '-content', 'verify.content'];
  return openssl([...args, '-CAfile', caFile, '-partial_chain', '-purpose', 'any', '-out', '/dev/null'], dir);
}

/** A self-signed RSA certificate with a chosen validity; openssl 3.0 cannot back-date one, forge can. */
export function datedCertificate(notBefore: Date, notAfter: Date): { keyPem: string; certPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = '01';
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  cert.setSubject([{ shortName: 'CN', value: 'dated' }]);
  cert.setIssuer([{ shortName: 'CN', value: 'dated' }]);
  cert.sign(forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()), forge.md.sha256.create());
  return { keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), certPem: forge.pki.certificateToPem(cert) };
}

/**
 * Every version's inventory carries a detached CMS signature that stock openssl accepts with the
 * certificate `bevara keys cert` prints, with no Bevara code involved; after a key rotation the old
 * signatures still verify (bevara verify and openssl with the old certificate).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Archive } from '@bevara/storage';
import { bevara, bevaraIn, jsonLines } from '../support/cli.ts';
import { addSampleVersion, createSampleAip, sampleFiles, tempDir } from './support/archive.ts';

function opensslVerify(objectDir: string, version: string, certFile: string): { ok: boolean; stderr: string } {
  const r = spawnSync(
    'openssl',
    ['cms', '-verify', '-binary', '-inform', 'DER', '-in', path.join(objectDir, 'extensions/bevara-signatures', `${version}.p7s`),
      '-content', path.join(objectDir, version, 'inventory.json'), '-CAfile', certFile, '-purpose', 'any', '-out', '/dev/null'],
    { encoding: 'utf8' },
  );
  return { ok: r.status === 0, stderr: r.stderr };
}

describe('version signatures, checked by openssl alone', () => {
  let dir: string;
  let archiveDir: string;
  let objectDir: string;
  let aipId: string;
  const oldCert = (): string => path.join(dir, 'old-cert.pem');
  const newCert = (): string => path.join(dir, 'new-cert.pem');

  beforeAll(async () => {
    dir = tempDir('sig');
    archiveDir = path.join(dir, 'archive');
    const init = await bevara(['init', archiveDir]);
    expect(init.code, init.stderr).toBe(0);
    const archive = await Archive.open(archiveDir);
    try {
      const aip = await createSampleAip(archive, 'signed', sampleFiles('signed', 2));
      await addSampleVersion(archive, aip.id, sampleFiles('signed-v2', 1));
      aipId = aip.id;
      objectDir = path.join(archiveDir, 'store', aip.objectRoot);
    } finally {
      await archive.close();
    }
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('openssl accepts v1 and v2 with the certificate `bevara keys cert` prints, and rejects an edited inventory', async () => {
    const cert = await bevara(['keys', 'cert'], { env: { BEVARA_ARCHIVE: archiveDir } });
    expect(cert.code, cert.stderr).toBe(0);
    expect(cert.stdout).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\n$/);
    fs.writeFileSync(oldCert(), cert.stdout);
    for (const v of ['v1', 'v2']) expect(opensslVerify(objectDir, v, oldCert()), v).toEqual({ ok: true, stderr: expect.stringContaining('Verification successful') });

    // The check can fail: the same signature over one changed byte of the inventory is refused.
    const copy = path.join(dir, 'tampered');
    fs.cpSync(objectDir, copy, { recursive: true });
    const inv = path.join(copy, 'v1', 'inventory.json');
    fs.writeFileSync(inv, fs.readFileSync(inv, 'utf8').replace('"head": "v1"', '"head": "v9"'));
    expect(opensslVerify(copy, 'v1', oldCert()).ok).toBe(false);
  });

  it('after `bevara keys init` (rotation) the old signatures still verify, with bevara and with the old certificate', async () => {
    const rotate = await bevara(['keys', 'init', '--json'], { env: { BEVARA_ARCHIVE: archiveDir } });
    expect(rotate.code, rotate.stderr).toBe(0);
    const rotated = jsonLines<{ fingerprint: string; pem: string }>(rotate.stdout)[0]!;
    const cert = await bevaraIn(archiveDir, ['keys', 'cert']);
    expect(cert.code).toBe(0);
    expect(cert.stdout.trim()).toBe(rotated.pem.trim());
    expect(cert.stdout).not.toBe(fs.readFileSync(oldCert(), 'utf8'));
    fs.writeFileSync(newCert(), cert.stdout);

    const verify = await bevaraIn(archiveDir, ['verify', '--json']);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(jsonLines<{ id: string; ok: boolean }>(verify.stdout)).toEqual([expect.objectContaining({ id: aipId, ok: true, head: 'v2' })]);
    for (const v of ['v1', 'v2']) expect(opensslVerify(objectDir, v, oldCert()).ok, v).toBe(true);

    // The certificate that signed is published in the store too, so a reader without keys/ can check.
    const published = fs.readdirSync(path.join(archiveDir, 'store/extensions/bevara-archive/certificates'));
    expect(published).toHaveLength(2);
    expect(published).toContain(`${rotated.fingerprint}.pem`);

    // A version written after the rotation is signed by the new key: openssl accepts it with the new
    // certificate and refuses it with the old one alone.
    const archive = await Archive.open(archiveDir);
    try {
      await addSampleVersion(archive, aipId, sampleFiles('signed-v3', 1));
    } finally {
      await archive.close();
    }
    expect(opensslVerify(objectDir, 'v3', newCert()).ok).toBe(true);
    expect(opensslVerify(objectDir, 'v3', oldCert()).ok).toBe(false);
    const again = await bevaraIn(archiveDir, ['verify', aipId]);
    expect(again.code, again.stdout).toBe(0);
    expect(again.stdout).toContain(`ok   ${aipId} v3`);
  });
});

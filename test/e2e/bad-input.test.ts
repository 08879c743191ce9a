/**
 * Bad input of every kind the foundation meets: each gives a clear message, a stable code and exit 2,
 * and leaves nothing half-written. Keys are made by the real openssl.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Archive, isBevaraError } from '@bevara/storage';
import { bevara, bevaraIn, jsonError, type CliResult } from '../support/cli.ts';
import { createSampleAip, sampleFiles, sha256, tempDir, walk } from './support/archive.ts';

/**
 * Every file under `dir` with the SHA-256 of its bytes, to show a refused command changed nothing.
 * The catalog is left out: SQLite touches its file on every open, and it is a cache anyway.
 */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(
    walk(dir)
      .filter((f) => !f.startsWith('catalog.sqlite'))
      .map((f) => [f, sha256(fs.readFileSync(path.join(dir, f)))]),
  );
}

function expectFailure(r: CliResult, code: string, message: RegExp): void {
  expect(r.code, r.stderr).toBe(2);
  const err = jsonError(r);
  expect(err.code).toBe(code);
  expect(err.message).toMatch(message);
}

describe('bad input', () => {
  let dir: string;
  let archiveDir: string;
  const openssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });

  beforeAll(async () => {
    dir = tempDir('bad');
    archiveDir = path.join(dir, 'archive');
    await (await Archive.init(archiveDir)).close();
    // An RSA key and certificate as PKCS#12 (password "right") and as one PEM file; an EC key as PEM.
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'rsa.key', '-out', 'rsa.crt', '-subj', '/CN=Exempla kommun', '-days', '30');
    openssl('pkcs12', '-export', '-inkey', 'rsa.key', '-in', 'rsa.crt', '-out', 'rsa.p12', '-passout', 'pass:right');
    fs.writeFileSync(path.join(dir, 'rsa.pem'), Buffer.concat([fs.readFileSync(path.join(dir, 'rsa.key')), fs.readFileSync(path.join(dir, 'rsa.crt'))]));
    // Keys the key policy refuses: EC on a curve outside P-256/384/521, and Ed25519.
    openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:secp256k1', '-nodes', '-keyout', 'ec.key', '-out', 'ec.crt', '-subj', '/CN=EC', '-days', '30');
    fs.writeFileSync(path.join(dir, 'ec.pem'), Buffer.concat([fs.readFileSync(path.join(dir, 'ec.key')), fs.readFileSync(path.join(dir, 'ec.crt'))]));
    openssl('req', '-x509', '-newkey', 'ed25519', '-nodes', '-keyout', 'ed.key', '-out', 'ed.crt', '-subj', '/CN=Ed', '-days', '30');
    fs.writeFileSync(path.join(dir, 'ed.pem'), Buffer.concat([fs.readFileSync(path.join(dir, 'ed.key')), fs.readFileSync(path.join(dir, 'ed.crt'))]));
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** A copy of the good archive with `bevara.json` replaced by `config` (a string: written as is). */
  const withConfig = (name: string, config: unknown): string => {
    const copy = path.join(dir, name);
    fs.cpSync(archiveDir, copy, { recursive: true });
    const file = path.join(copy, 'bevara.json');
    if (config === undefined) fs.rmSync(file);
    else fs.writeFileSync(file, typeof config === 'string' ? config : JSON.stringify(config));
    return copy;
  };
  const goodConfig = (): Record<string, unknown> => JSON.parse(fs.readFileSync(path.join(archiveDir, 'bevara.json'), 'utf8')) as Record<string, unknown>;

  it('S-004: a missing config, an empty folder, a folder that does not exist', async () => {
    const empty = path.join(dir, 'empty');
    fs.mkdirSync(empty);
    const results = await Promise.all([
      bevaraIn(withConfig('no-config', undefined), ['list', '--json']),
      bevaraIn(empty, ['verify', '--json']),
      bevaraIn(path.join(dir, 'does-not-exist'), ['log', 'verify', '--json']),
    ]);
    for (const r of results) expectFailure(r, 'S-004', /not a Bevara archive|does not exist/);
    expect(fs.readdirSync(empty)).toEqual([]);
    expect(fs.existsSync(path.join(dir, 'does-not-exist'))).toBe(false);
  });

  it('S-006: malformed config JSON and invalid fields, each named', async () => {
    const cases: [string, unknown, RegExp][] = [
      ['json', '{"format": "bevara-archive/1",', /not valid JSON/],
      ['format', { ...goodConfig(), format: 'bevara-archive/9' }, /"format"/],
      ['stores', { ...goodConfig(), stores: [] }, /"stores"/],
      ['store-type', { ...goodConfig(), stores: [{ name: 'local', type: 'ftp', path: 'store' }] }, /stores\[0\]\.type/],
      ['copies', { ...goodConfig(), policy: { copies: 0 } }, /policy\.copies/],
    ];
    const results = await Promise.all(cases.map(([name, config]) => bevaraIn(withConfig(`config-${name}`, config), ['list', '--json'])));
    for (const [i, r] of results.entries()) expectFailure(r, 'S-006', cases[i]![2]);
  });

  it('S-005: init into a non-empty folder or an existing archive leaves it untouched', async () => {
    const nonEmpty = path.join(dir, 'non-empty');
    fs.mkdirSync(path.join(nonEmpty, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(nonEmpty, 'notes.txt'), 'keep me');
    fs.writeFileSync(path.join(nonEmpty, 'sub', 'data.bin'), Buffer.from([1, 2, 3]));
    const before = snapshot(nonEmpty);
    const archiveBefore = snapshot(archiveDir);
    const [intoNonEmpty, intoArchive] = await Promise.all([bevara(['init', nonEmpty, '--json']), bevara(['init', archiveDir, '--json'])]);
    expectFailure(intoNonEmpty, 'S-005', /not empty/);
    expectFailure(intoArchive, 'S-005', /already a Bevara archive/);
    expect(snapshot(nonEmpty)).toEqual(before);
    expect(snapshot(archiveDir)).toEqual(archiveBefore);
  });

  // "Fast" is generous: on a loaded test machine a CLI start alone can take many seconds; a hang
  // (retries, a TCP timeout) would take minutes.
  it('S-003: an unreachable S3 endpoint fails fast, not after a long hang', async () => {
    const s3 = withConfig('s3-down', { ...goodConfig(), stores: [{ name: 'remote', type: 's3', endpoint: 'http://127.0.0.1:1', bucket: 'bevara-test', accessKey: 'a', secretKey: 'b' }] });
    const started = Date.now();
    const r = await bevaraIn(s3, ['list', '--json'], { timeoutMs: 90_000 });
    expectFailure(r, 'S-003', /unavailable at http:\/\/127\.0\.0\.1:1/);
    expect(Date.now() - started).toBeLessThan(45_000);
  });

  it('keys import: S-008 for a wrong PKCS#12 password, S-009 for unsupported keys; both change nothing; right ones import', async () => {
    const copy = path.join(dir, 'keys-archive');
    fs.cpSync(archiveDir, copy, { recursive: true });
    const before = snapshot(copy);
    const [wrong, missing, ec, ed] = await Promise.all([
      bevaraIn(copy, ['keys', 'import', path.join(dir, 'rsa.p12'), '--json'], { env: { BEVARA_IMPORT_PASSWORD: 'wrong' } }),
      bevaraIn(copy, ['keys', 'import', path.join(dir, 'rsa.p12'), '--json', '--password-env', 'MY_P12_PASSWORD'], { env: { BEVARA_IMPORT_PASSWORD: 'right' } }),
      bevaraIn(copy, ['keys', 'import', path.join(dir, 'ec.pem'), '--json']),
      bevaraIn(copy, ['keys', 'import', path.join(dir, 'ed.pem'), '--json']),
    ]);
    expectFailure(wrong, 'S-008', /password/i);
    expectFailure(missing, 'S-008', /password/i); // --password-env names a variable that is not set
    expectFailure(ec, 'S-009', /secp256k1/);
    expectFailure(ed, 'S-009', /not supported/);
    expect(snapshot(copy)).toEqual(before);

    const p12 = await bevaraIn(copy, ['keys', 'import', path.join(dir, 'rsa.p12'), '--password-env', 'MY_P12_PASSWORD'], { env: { MY_P12_PASSWORD: 'right' } });
    expect(p12.code, p12.stderr).toBe(0);
    const cert = await bevaraIn(copy, ['keys', 'cert']);
    expect(cert.stdout.trim()).toBe(fs.readFileSync(path.join(dir, 'rsa.crt'), 'utf8').trim());
    const pem = await bevaraIn(copy, ['keys', 'import', path.join(dir, 'rsa.pem')]);
    expect(pem.code, pem.stderr).toBe(0);
  });

  it('S-008: an encrypted stored key with a wrong or no BEVARA_KEY_PASSPHRASE writes nothing', async () => {
    const encrypted = path.join(dir, 'encrypted');
    const init = await bevara(['init', encrypted], { env: { BEVARA_KEY_PASSPHRASE: 'correct horse' } });
    expect(init.code, init.stderr).toBe(0);
    const keyFile = walk(path.join(encrypted, 'keys')).find((f) => f.startsWith('private/'))!;
    expect(fs.readFileSync(path.join(encrypted, 'keys', keyFile), 'utf8')).toContain('ENCRYPTED PRIVATE KEY');
    const before = snapshot(path.join(encrypted, 'store'));
    const saved = process.env.BEVARA_KEY_PASSPHRASE;
    try {
      for (const passphrase of ['wrong', undefined]) {
        if (passphrase === undefined) delete process.env.BEVARA_KEY_PASSPHRASE;
        else process.env.BEVARA_KEY_PASSPHRASE = passphrase;
        const archive = await Archive.open(encrypted);
        try {
          const failure = await createSampleAip(archive, 'locked', sampleFiles('locked', 3)).then(() => null, (e: unknown) => e);
          expect(isBevaraError(failure, 'S-008'), String(failure)).toBe(true);
          expect(archive.list()).toEqual([]);
        } finally {
          await archive.close();
        }
        expect(snapshot(path.join(encrypted, 'store'))).toEqual(before);
        const journal = path.join(encrypted, 'staging', 'journal');
        expect(fs.existsSync(journal) ? fs.readdirSync(journal) : []).toEqual([]);
      }
    } finally {
      if (saved === undefined) delete process.env.BEVARA_KEY_PASSPHRASE;
      else process.env.BEVARA_KEY_PASSPHRASE = saved;
    }
  });
});

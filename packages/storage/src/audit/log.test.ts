import { execFile } from 'node:child_process';
import { readFile, rename, rm, unlink, writeFile, mkdtemp, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LocalBlobStore } from '../blobstore/local.ts';
import { isBevaraError } from '../errors.ts';
import { verifyDetached } from '../signing/cms.ts';
import { KeyStore } from '../signing/keystore.ts';
import { AuditLog, DEFAULT_AUDIT_PREFIX, type AuditVerification, type VerifySignature } from './log.ts';
import { sha256Hex, seqName } from './format.ts';

const run = promisify(execFile);

const temps: string[] = [];
async function tempDir(label: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `bevara-audit-${label}-`));
  temps.push(dir);
  return dir;
}

let keys: KeyStore;
let keysDir: string;
let verifySignature: VerifySignature;

beforeAll(async () => {
  keysDir = await mkdtemp(path.join(os.tmpdir(), 'bevara-audit-keys-'));
  keys = await KeyStore.open(keysDir, { passphrase: 'test passphrase' });
  await keys.init({ subject: 'CN=Bevara audit test' });
  verifySignature = (signature, data) => verifyDetached(signature, data, keys.certificates());
});
afterAll(async () => {
  await rm(keysDir, { recursive: true, force: true });
});
afterEach(async () => {
  for (const dir of temps.splice(0)) await rm(dir, { recursive: true, force: true });
});

interface Fixture {
  root: string;
  store: LocalBlobStore;
  log: AuditLog;
  /** The log's folder on disk, where an attacker would edit files. */
  dir: string;
}

/** A real log on a real local store: `count` entries, a signed checkpoint after every `every`-th. */
async function buildLog(count = 50, every = 10): Promise<Fixture> {
  const root = await tempDir('store');
  const store = new LocalBlobStore({ name: 'local', root });
  const log = new AuditLog(store);
  for (let i = 1; i <= count; i++) {
    await log.append({
      type: i === 1 ? 'archive.created' : 'aip.created',
      actor: `user-${i}`,
      subject: `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      data: { files: i, note: 'å ä ö', nested: { z: 1, a: [true, null] } },
    });
    if (i % every === 0) await log.checkpoint(keys.signer());
  }
  return { root, store, log, dir: path.join(root, DEFAULT_AUDIT_PREFIX) };
}

const entryFile = (f: Fixture, seq: number): string => path.join(f.dir, 'entries', seqName(seq));
const checkpointFile = (f: Fixture, seq: number): string => path.join(f.dir, 'checkpoints', seqName(seq));

async function verify(f: Fixture): Promise<AuditVerification> {
  return new AuditLog(f.store).verify(verifySignature);
}

function kinds(result: AuditVerification): { seq: number; kind: string }[] {
  return result.problems.map(({ seq, kind }) => ({ seq, kind }));
}

/** Renames entry files first..last to one higher, from the top down, as an inserter must. */
async function shiftUp(f: Fixture, first: number, last: number): Promise<void> {
  for (let seq = last; seq >= first; seq--) await rename(entryFile(f, seq), entryFile(f, seq + 1));
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isBevaraError(error, code), `expected ${code}, got ${String(error)}`).toBe(true);
}

describe('AuditLog on a local store', () => {
  it('appends 50 chained entries with checkpoints and verifies them', async () => {
    const f = await buildLog();
    const result = await verify(f);
    expect(result).toMatchObject({ ok: true, entries: 50, lastSeq: 50, uncheckpointed: 0, problems: [], omittedProblems: 0 });
    expect(result.lastCheckpoint).toMatchObject({ seq: 50, signer: keys.current()?.fingerprint });

    const entries = [];
    for await (const entry of f.log.entries()) entries.push(entry);
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(entries[0]?.prev).toBe('0'.repeat(64));
    for (let i = 1; i < entries.length; i++) expect(entries[i]?.prev).toBe(entries[i - 1]?.sha256);
    expect(entries[41]).toMatchObject({ seq: 42, type: 'aip.created', actor: 'user-42', data: { files: 42 } });
  });

  it('writes each entry as one canonical JSON line whose SHA-256 the next entry names', async () => {
    const f = await buildLog(2, 10);
    const first = await readFile(entryFile(f, 1));
    const second = JSON.parse(await readFile(entryFile(f, 2), 'utf8')) as { prev: string };
    expect(first.toString('utf8')).toMatch(
      /^\{"seq":1,"time":"[^"]+Z","type":"archive.created","actor":"user-1","subject":"urn:uuid:[^"]+","data":\{"files":1,"nested":\{"a":\[true,null\],"z":1\},"note":"å ä ö"\},"prev":"0{64}"\}\n$/,
    );
    expect(second.prev).toBe(sha256Hex(first));
  });

  it('finds the head by listing when opened again, and chains on from it', async () => {
    const f = await buildLog(5, 10);
    const reopened = new AuditLog(f.store);
    const entry = await reopened.append({ type: 'fixity.checked', data: { ok: true } });
    expect(entry.seq).toBe(6);
    expect(entry.prev).toBe(sha256Hex(await readFile(entryFile(f, 5))));
    expect((await verify(f)).ok).toBe(true);
  });

  it("chains on from entries another process appended since this one found the head, overwriting none", async () => {
    const f = await buildLog(3, 10);
    const other = new AuditLog(f.store);
    await other.append({ type: 'config.changed' }); // seq 4, behind f.log's back (a command while a server runs)
    await other.append({ type: 'config.changed' }); // seq 5
    const before = await readFile(entryFile(f, 4));
    const entry = await f.log.append({ type: 'disclosure' });
    expect(entry).toMatchObject({ seq: 6, prev: sha256Hex(await readFile(entryFile(f, 5))) });
    expect(await readFile(entryFile(f, 4))).toEqual(before);
    expect((await f.log.checkpoint(keys.signer())).seq).toBe(6);
    expect((await other.append({ type: 'config.changed' })).seq).toBe(7);
    expect((await verify(f)).ok).toBe(true);
  });

  it('refuses events that cannot be recorded faithfully (S-024) and writes nothing', async () => {
    const f = await buildLog(1, 10);
    await expectCode(f.log.append({ type: 'AIP Created' }), 'S-024');
    await expectCode(f.log.append({ type: 'aip.created', data: { when: new Date() } }), 'S-024');
    await expectCode(f.log.append({ type: 'aip.created', data: { size: Number.NaN } }), 'S-024');
    await expectCode(f.log.append({ type: 'aip.created', actor: '' }), 'S-024');
    await expectCode(f.log.append({ type: 'aip.created', data: { big: 'x'.repeat(70_000) } }), 'S-024');
    expect(await readdir(path.join(f.dir, 'entries'))).toEqual([seqName(1)]);
    expect((await verify(f)).ok).toBe(true);
  });

  it('serializes concurrent appends of one instance into one chain', async () => {
    const root = await tempDir('store');
    const store = new LocalBlobStore({ name: 'local', root });
    const log = new AuditLog(store);
    const entries = await Promise.all(Array.from({ length: 10 }, (_, i) => log.append({ type: 'aip.created', data: { i } })));
    expect(entries.map((e) => e.seq).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect((await log.verify(verifySignature)).ok).toBe(true);
  });

  it('has nothing to checkpoint when empty (S-001), and an empty log verifies', async () => {
    const root = await tempDir('store');
    const log = new AuditLog(new LocalBlobStore({ name: 'local', root }));
    await expectCode(log.checkpoint(keys.signer()), 'S-001');
    expect(await log.verify(verifySignature)).toMatchObject({ ok: true, entries: 0, lastSeq: 0, problems: [] });
  });

  it('does not sign the same entry twice (S-023)', async () => {
    const f = await buildLog(10, 10);
    await expectCode(f.log.checkpoint(keys.signer()), 'S-023');
  });

  it('ignores the unused signature a crash between the two checkpoint writes leaves', async () => {
    const f = await buildLog(12, 10);
    await writeFile(`${checkpointFile(f, 12)}.p7s`, keys.signer().signDetached(Buffer.from('half a checkpoint')));
    expect(await verify(f)).toMatchObject({ ok: true, lastSeq: 12, uncheckpointed: 2 });
    await f.log.checkpoint(keys.signer()); // overwrites the leftover signature with a real one
    expect(await verify(f)).toMatchObject({ ok: true, uncheckpointed: 0 });
  });
});

describe('AuditLog.verify names the damage', () => {
  it('an entry whose bytes were edited', async () => {
    const f = await buildLog();
    const text = await readFile(entryFile(f, 20), 'utf8');
    await writeFile(entryFile(f, 20), text.replace('"actor":"user-20"', '"actor":"user-99"'));
    const result = await verify(f);
    expect(result.ok).toBe(false);
    expect(kinds(result)).toEqual([{ seq: 20, kind: 'edited' }]);
  });

  it('an entry edited into something unreadable', async () => {
    const f = await buildLog();
    const bytes = await readFile(entryFile(f, 33));
    bytes[0] = 0x5b; // '{' -> '['
    await writeFile(entryFile(f, 33), bytes);
    expect(kinds(await verify(f))).toEqual([{ seq: 33, kind: 'malformed' }]);
  });

  it('stops a walk over the entries at an unreadable one (S-013)', async () => {
    const f = await buildLog(5, 10);
    await writeFile(entryFile(f, 3), '{"seq":3}\n');
    const seen: number[] = [];
    const walk = async (): Promise<void> => {
      for await (const entry of f.log.entries()) seen.push(entry.seq);
    };
    await expectCode(walk(), 'S-013');
    expect(seen).toEqual([1, 2]);
  });

  it('the newest entry edited, caught by the signed checkpoint over it', async () => {
    const f = await buildLog();
    const text = await readFile(entryFile(f, 50), 'utf8');
    await writeFile(entryFile(f, 50), text.replace('"files":50', '"files":51'));
    expect(kinds(await verify(f))).toEqual([{ seq: 50, kind: 'checkpoint-mismatch' }]);
  });

  it('a rewritten chain: entry 45 edited and every later prev recomputed', async () => {
    const f = await buildLog();
    let prev = sha256Hex(await readFile(entryFile(f, 44)));
    for (let seq = 45; seq <= 50; seq++) {
      let text = (await readFile(entryFile(f, seq), 'utf8')).replace(/"prev":"[0-9a-f]{64}"/, `"prev":"${prev}"`);
      if (seq === 45) text = text.replace('"actor":"user-45"', '"actor":"mallory"');
      await writeFile(entryFile(f, seq), text);
      prev = sha256Hex(Buffer.from(text, 'utf8'));
    }
    expect(kinds(await verify(f))).toEqual([{ seq: 50, kind: 'checkpoint-mismatch' }]);
  });

  it('a removed entry', async () => {
    const f = await buildLog();
    await unlink(entryFile(f, 20));
    const result = await verify(f);
    expect(kinds(result)).toEqual([{ seq: 20, kind: 'removed' }]);
    expect(result.lastSeq).toBe(50);
  });

  it('a removed entry with the later files renumbered to close the gap', async () => {
    const f = await buildLog();
    await unlink(entryFile(f, 20));
    for (let seq = 21; seq <= 50; seq++) await rename(entryFile(f, seq), entryFile(f, seq - 1));
    expect(kinds(await verify(f))).toEqual([{ seq: 20, kind: 'removed' }]);
  });

  it('an inserted entry that links to its predecessor, later files renumbered', async () => {
    const f = await buildLog();
    const prev = sha256Hex(await readFile(entryFile(f, 20)));
    await shiftUp(f, 21, 50);
    const forged = `{"seq":21,"time":"2025-01-01T00:00:00.000Z","type":"disclosure","actor":"mallory","prev":"${prev}"}\n`;
    await writeFile(entryFile(f, 21), forged);
    const result = await verify(f);
    expect(kinds(result)).toEqual([{ seq: 21, kind: 'inserted' }]);
    expect(result).toMatchObject({ entries: 51, lastSeq: 50 });
  });

  it('an inserted entry that does not link, later files renumbered', async () => {
    const f = await buildLog();
    await shiftUp(f, 31, 50);
    const forged = `{"seq":31,"time":"2025-01-01T00:00:00.000Z","type":"disclosure","prev":"${'a'.repeat(64)}"}\n`;
    await writeFile(entryFile(f, 31), forged);
    expect(kinds(await verify(f))).toEqual([{ seq: 31, kind: 'inserted' }]);
  });

  it('two entries swapped', async () => {
    const f = await buildLog();
    await rename(entryFile(f, 20), path.join(f.dir, 'swap'));
    await rename(entryFile(f, 21), entryFile(f, 20));
    await rename(path.join(f.dir, 'swap'), entryFile(f, 21));
    expect(kinds(await verify(f))).toEqual([
      { seq: 20, kind: 'reordered' },
      { seq: 21, kind: 'reordered' },
    ]);
  });

  it('a renamed file', async () => {
    const f = await buildLog();
    await rename(entryFile(f, 50), entryFile(f, 60));
    expect(kinds(await verify(f))).toEqual([{ seq: 60, kind: 'malformed' }]);
  });

  it('the newest entries deleted after a signed checkpoint covered them', async () => {
    const f = await buildLog();
    for (let seq = 46; seq <= 50; seq++) await unlink(entryFile(f, seq));
    const result = await verify(f);
    expect(kinds(result)).toEqual([{ seq: 46, kind: 'truncated' }]);
    expect(result).toMatchObject({ lastSeq: 45, lastCheckpoint: { seq: 50 } });
  });

  it('a checkpoint whose signature was damaged', async () => {
    const f = await buildLog();
    const signature = await readFile(`${checkpointFile(f, 30)}.p7s`);
    const last = signature.length - 1;
    signature[last] = (signature[last] ?? 0) ^ 0x01; // the last byte belongs to the signature value
    await writeFile(`${checkpointFile(f, 30)}.p7s`, signature);
    const result = await verify(f);
    expect(kinds(result)).toEqual([{ seq: 30, kind: 'checkpoint-signature' }]);
  });

  it('a checkpoint whose statement was edited, or whose signature is gone', async () => {
    const f = await buildLog();
    const text = await readFile(checkpointFile(f, 40), 'utf8');
    await writeFile(checkpointFile(f, 40), text.replace(/"sha256":"[0-9a-f]/, '"sha256":"x'));
    await unlink(`${checkpointFile(f, 20)}.p7s`);
    expect(kinds(await verify(f))).toEqual([
      { seq: 20, kind: 'checkpoint-signature' },
      { seq: 40, kind: 'checkpoint-signature' },
    ]);
  });

  it('a foreign file among the entries', async () => {
    const f = await buildLog(5, 5);
    await writeFile(path.join(f.dir, 'entries', 'notes.txt'), 'hello');
    expect(kinds(await verify(f))).toEqual([{ seq: 0, kind: 'malformed' }]);
  });
});

describe('the log checks with stock tools', () => {
  it('sha256sum of each entry file equals the next entry\'s prev (the loop in docs/storage-format.md)', async () => {
    const f = await buildLog(12, 10);
    const script = [
      'cd "$1"',
      'prev=0000000000000000000000000000000000000000000000000000000000000000',
      'for f in *.json; do',
      '  grep -q "\\"prev\\":\\"$prev\\"" "$f" || echo "chain broken at $f"',
      '  prev=$(sha256sum "$f" | cut -c1-64)',
      'done',
      'echo "last $prev"',
    ].join('\n');
    const good = await run('bash', ['-c', script, 'check', path.join(f.dir, 'entries')]);
    expect(good.stdout).toBe(`last ${sha256Hex(await readFile(entryFile(f, 12)))}\n`);

    const checkpoint = JSON.parse(await readFile(checkpointFile(f, 10), 'utf8')) as { sha256: string };
    const sum = await run('sha256sum', [entryFile(f, 10)]);
    expect(sum.stdout.slice(0, 64)).toBe(checkpoint.sha256);

    const text = await readFile(entryFile(f, 7), 'utf8');
    await writeFile(entryFile(f, 7), text.replace('user-7', 'user-8'));
    const bad = await run('bash', ['-c', script, 'check', path.join(f.dir, 'entries')]);
    expect(bad.stdout.split('\n')[0]).toBe(`chain broken at ${seqName(8)}`);
  });

  it('openssl cms verifies a checkpoint signature with the archive certificate', async () => {
    const f = await buildLog(10, 10);
    const certificate = keys.current()?.pem;
    if (!certificate) throw new Error('the test key store has no certificate');
    const certFile = path.join(f.root, 'cert.pem');
    await writeFile(certFile, certificate);
    const args = ['cms', '-verify', '-binary', '-inform', 'DER', '-in', `${checkpointFile(f, 10)}.p7s`];
    const tail = ['-CAfile', certFile, '-purpose', 'any', '-out', '/dev/null'];
    const ok = await run('openssl', [...args, '-content', checkpointFile(f, 10), ...tail]);
    expect(ok.stderr).toMatch(/Verification successful/);
    await writeFile(path.join(f.root, 'edited.json'), (await readFile(checkpointFile(f, 10), 'utf8')).replace('"seq":10', '"seq":11'));
    await expect(run('openssl', [...args, '-content', path.join(f.root, 'edited.json'), ...tail])).rejects.toThrow();
  });
});

/**
 * A server and an archivist's commands on one archive at once, as a municipality runs them: while `bevara serve`
 * archives packages sent over HTTP, commands in other processes ingest a package, add a store and count it, make a
 * new key current and rebuild the catalog. Afterwards every process's catalog has every AIP, the server's next
 * ingest is on both stores and signed with the new key, every signature and the audit log verify, and an audit
 * with repair fills the new store with what was archived before it was counted.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generatePackage } from '../../packages/ingest/src/generator/generate.ts';
import { writeZip } from '../../packages/ingest/src/generator/writers.ts';
import { bevaraIn, jsonLines } from '../support/cli.ts';
import { tempDir } from './support/archive.ts';
import { serve } from './support/serve.ts';

let work: string;
let archive: string;
let token: string;
const zips: string[] = [];

beforeAll(async () => {
  work = tempDir('serve-with-commands');
  archive = path.join(work, 'archive');
  expect((await bevaraIn(archive, ['init', archive, '--json'])).code).toBe(0);
  token = jsonLines<{ token: string }>((await bevaraIn(archive, ['tokens', 'create', '--submitter', 'arendesystem', '--json'])).stdout)[0]!.token;
  for (const seed of ['http-1', 'http-2', 'cli', 'after']) {
    const zip = path.join(work, `${seed}.zip`);
    await writeZip(generatePackage({ profile: 'fgs12', seed: `together-${seed}`, organisation: 'Exempelby kommun', cases: 1 }), zip);
    zips.push(zip);
  }
}, 120_000);
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

it('keeps one consistent archive while commands in other processes change it under a running server', async () => {
  const s = await serve(archive, ['--audit-check', '0']);
  try {
    const submit = async (zip: string): Promise<{ status: string; receipt?: { aip: { id: string; version: string } } }> => {
      const posted = await fetch(`${s.base}/api/v1/submissions`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: fs.readFileSync(zip) });
      expect(posted.status).toBe(202);
      const { id } = (await posted.json()) as { id: string };
      for (let i = 0; i < 600; i++) {
        const view = (await (await fetch(`${s.base}/api/v1/submissions/${id}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { status: string };
        if (view.status === 'archived' || view.status === 'rejected' || view.status === 'failed') return view;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`submission ${id} was not decided`);
    };
    const second = path.join(work, 'second');
    const [http1, http2, ingested, rebuilt, added, rotated] = await Promise.all([
      submit(zips[0]!),
      submit(zips[1]!),
      bevaraIn(archive, ['ingest', zips[2]!, '--json']),
      bevaraIn(archive, ['catalog', 'rebuild', '--json']),
      bevaraIn(archive, ['store', 'add', 'second', '--type', 'local', '--path', second]).then(async (r) => (r.code === 0 ? bevaraIn(archive, ['policy', 'set', '--copies', '2']) : r)),
      bevaraIn(archive, ['keys', 'init', '--subject', 'CN=Bevara, O=Exempelby kommun, C=SE']),
    ]);
    expect([http1.status, http2.status]).toEqual(['archived', 'archived']);
    for (const r of [ingested, rebuilt, added, rotated]) expect(r.code, r.stderr).toBe(0);

    // after the commands: the server writes to both stores, signed with the key now current
    const after = await submit(zips[3]!);
    expect(after.status).toBe('archived');
    const { objectRoot } = jsonLines<{ objectRoot: string }>((await bevaraIn(archive, ['show', after.receipt!.aip.id, '--json'])).stdout)[0]!;
    expect(fs.existsSync(path.join(second, objectRoot, 'inventory.json'))).toBe(true);
    // openssl, given only the certificate now current, accepts the version's signature
    const current = path.join(work, 'current.pem');
    fs.writeFileSync(current, (await bevaraIn(archive, ['keys', 'cert'])).stdout);
    const objectDir = path.join(archive, 'store', objectRoot);
    const openssl = spawnSync('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', path.join(objectDir, 'extensions/bevara-signatures/v1.p7s'),
      '-content', path.join(objectDir, 'v1', 'inventory.json'), '-CAfile', current, '-purpose', 'any', '-out', '/dev/null'], { encoding: 'utf8' });
    expect(openssl.status, openssl.stderr).toBe(0);

    // every process sees every AIP: a new one, and the server
    const listed = jsonLines<{ id: string }>((await bevaraIn(archive, ['list', '--json'])).stdout);
    expect(listed).toHaveLength(4);
    const metrics = await (await fetch(`${s.base}/metrics`)).text();
    expect(metrics).toMatch(/^bevara_aips 4$/m);
    expect(metrics).toMatch(/^bevara_policy_copies 2$/m);
  } finally {
    expect(await s.stop()).toBe(0);
  }
  const verified = await bevaraIn(archive, ['verify', '--json']);
  expect(verified.code, verified.stdout).toBe(0);
  expect(jsonLines<{ ok: boolean }>(verified.stdout).every((v) => v.ok)).toBe(true);
  expect((await bevaraIn(archive, ['log', 'verify', '--json'])).code).toBe(0);
  // the AIPs archived before the second store was counted are copied to it
  const audit = await bevaraIn(archive, ['audit', '--repair', '--json'], { timeoutMs: 120_000 });
  expect(audit.code, audit.stdout + audit.stderr).toBe(0);
  expect(jsonLines(audit.stdout).at(-1)).toMatchObject({ type: 'summary', ok: true });
}, 300_000);

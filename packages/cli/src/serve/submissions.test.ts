/**
 * The submission API beyond the happy path of app.test.ts, on a real koa server: the webhook a submitter
 * registered is called with the outcome (a failure too, with its error), the concurrency limit answers 503 I-022, a tar package and an update
 * (a new AIP version) arrive over HTTP, and a package citing another submission agreement is refused (I-027).
 */
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { SubmissionLedger, SubmissionService, ermsCatalog, generatePackage, writeTar, writeZip, type GenerateOptions } from '@bevara/ingest';
import { Archive } from '@bevara/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { createApp } from './app.ts';
import { OPENAPI } from './openapi.ts';

let work: string;
let archive: Archive;
let service: SubmissionService;
let server: http.Server;
let base: string;
let hook: http.Server;
let hookUrl: string;
const hookCalls: { path: string; contentType: string | undefined; body: any }[] = [];
let tokens: { plain: string; hooked: string; updates: string; hr: string };

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'bevara-http2-'));
  archive = await Archive.init(path.join(work, 'archive'), { catalogExtensions: [ermsCatalog] });
  // One slot: the second upload while one is in progress is answered 503.
  service = new SubmissionService(archive, { maxBytes: 5 * 1024 * 1024, idleTimeoutMs: 3000, concurrency: 1 });
  hook = http.createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      hookCalls.push({ path: req.url ?? '', contentType: req.headers['content-type'], body: JSON.parse(text) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(hook.address() as net.AddressInfo).port}/bevara-outcome`;
  await service.registry.addAgreement({ id: 'updates', name: 'Updates allowed', allowUpdates: true }, 'test');
  await service.registry.addAgreement({ id: 'hr', name: 'HR system', reference: 'KS 2024/0001' }, 'test');
  tokens = {
    plain: (await service.registry.createToken({ submitter: 'plain' }, 'test')).token,
    hooked: (await service.registry.createToken({ submitter: 'hooked', webhook: hookUrl }, 'test')).token,
    updates: (await service.registry.createToken({ submitter: 'updater', agreement: 'updates' }, 'test')).token,
    hr: (await service.registry.createToken({ submitter: 'hr-system', agreement: 'hr' }, 'test')).token,
  };
  server = http.createServer(createApp({ submissions: service, log: () => undefined }).callback());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await new Promise<void>((r) => hook.close(() => r()));
  await service.idle();
  await archive.close();
  await rm(work, { recursive: true, force: true });
});

async function packageFile(name: string, options: Partial<GenerateOptions>, as: 'zip' | 'tar' = 'zip'): Promise<string> {
  const file = path.join(work, `${name}.${as}`);
  const spec = generatePackage({ profile: 'fgs12', seed: name, organisation: 'Exempelby kommun', cases: 1, ...options });
  await (as === 'zip' ? writeZip(spec, file) : writeTar(spec, file));
  return file;
}

const post = (token: string, file: string) =>
  fetch(`${base}/api/v1/submissions`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: fs.readFileSync(file) });

async function decided(token: string, res: Response): Promise<any> {
  expect(res.status).toBe(202);
  const { id } = (await res.json()) as { id: string };
  await service.idle();
  return (await fetch(`${base}/api/v1/submissions/${id}`, { headers: { authorization: `Bearer ${token}` } })).json();
}

function stagingLeft(): string[] {
  const uploads = path.join(archive.paths.staging, 'uploads');
  return [...fs.readdirSync(archive.paths.staging).filter((n) => n !== 'journal' && n !== 'uploads'), ...(fs.existsSync(uploads) ? fs.readdirSync(uploads) : [])];
}

/** Makes a stored submission's owner `owner` on this host, as a process that saved it would have. */
function ownedBy(id: string, owner: { pid: number; start?: string }): void {
  const f = path.join(service.ledger.dir, 'submissions', id, 'submission.json');
  fs.writeFileSync(f, JSON.stringify({ ...JSON.parse(fs.readFileSync(f, 'utf8')), owner: { host: os.hostname(), ...owner } }));
}

/** The number of a process that has ended. */
function goneProcess(): { pid: number } {
  return { pid: Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString()) };
}

describe('HTTP submissions: webhooks, limits, tar, updates, agreements', () => {
  it("calls the submitter's webhook with the outcome and the receipt", async () => {
    const view = await decided(tokens.hooked, await post(tokens.hooked, await packageFile('hooked', {})));
    expect(view.status).toBe('archived');
    expect(hookCalls).toHaveLength(1);
    const call = hookCalls[0]!;
    expect(call.path).toBe('/bevara-outcome');
    expect(call.contentType).toBe('application/json');
    expect(call.body.id).toBe(view.id);
    expect(call.body.status).toBe('archived');
    expect(call.body.receipt.aip.id).toBe(view.receipt.aip.id);
    // a token without a webhook calls nothing
    await decided(tokens.plain, await post(tokens.plain, await packageFile('unhooked', {})));
    expect(hookCalls).toHaveLength(1);
  });

  it('shows a submission that failed (a fault of the archive, not of the package) with its error, and tells the webhook', async () => {
    // the write journal cannot be made: every ingest fails before anything is stored
    const journal = path.join(archive.paths.staging, 'journal');
    fs.rmSync(journal, { recursive: true, force: true });
    fs.writeFileSync(journal, 'not a folder');
    let view: any;
    try {
      view = await decided(tokens.hooked, await post(tokens.hooked, await packageFile('fails', {})));
    } finally {
      fs.rmSync(journal, { force: true });
      fs.mkdirSync(journal);
    }
    expect(view.status).toBe('failed');
    expect(view.error).toEqual({ code: 'S-027', message: expect.stringContaining('journal'), retry: false });
    // as the OpenAPI document describes a submission
    const ajv = new Ajv2020({ strict: false });
    ajv.addSchema(JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../../schemas/receipt.schema.json'), 'utf8')));
    ajv.addSchema({ ...OPENAPI, $id: 'openapi' } as object);
    expect(ajv.validate({ $ref: 'openapi#/components/schemas/Submission' }, view), JSON.stringify(ajv.errors)).toBe(true);
    expect(hookCalls.at(-1)!.body).toEqual({ id: view.id, status: 'failed', error: view.error });
    expect(stagingLeft()).toEqual([]);
  });

  it('after a restart ingests what was spooled but not decided, and marks a lost upload I-029 (send again); the webhook hears of both', async () => {
    // what a server that stopped after spooling leaves: two undecided submissions, one with its spool and one without
    const kept = { id: SubmissionLedger.newId(), file: await packageFile('resumed', {}) };
    const lost = SubmissionLedger.newId();
    for (const id of [kept.id, lost]) {
      service.ledger.save({ id, status: 'received', submitter: 'hooked', agreement: 'default', receivedAt: new Date().toISOString(), webhook: hookUrl });
      ownedBy(id, goneProcess());
    }
    fs.mkdirSync(path.join(archive.paths.staging, 'uploads'), { recursive: true });
    fs.copyFileSync(kept.file, path.join(archive.paths.staging, 'uploads', `${kept.id}.pkg`));
    const calls = hookCalls.length;
    const restarted = new SubmissionService(archive, { maxBytes: 5 * 1024 * 1024, idleTimeoutMs: 3000, concurrency: 1 });
    restarted.resume();
    await restarted.idle();
    expect(restarted.view(kept.id)?.status).toBe('archived');
    expect(restarted.view(lost)).toMatchObject({ status: 'failed', error: { code: 'I-029', retry: true } });
    expect(hookCalls.slice(calls).map((c) => [c.body.id, c.body.status]).sort()).toEqual([[kept.id, 'archived'], [lost, 'failed']].sort());
    expect(stagingLeft()).toEqual([]);
  });

  it('leaves alone a submission a live process works on, this one or another, and takes it once that process is gone', async () => {
    const id = SubmissionLedger.newId();
    const file = await packageFile('elsewhere', {});
    service.ledger.save({ id, status: 'validating', submitter: 'hooked', agreement: 'default', receivedAt: new Date().toISOString() });
    fs.mkdirSync(path.join(archive.paths.staging, 'uploads'), { recursive: true });
    fs.copyFileSync(file, path.join(archive.paths.staging, 'uploads', `${id}.pkg`));
    const second = new SubmissionService(archive, { maxBytes: 5 * 1024 * 1024, idleTimeoutMs: 3000, concurrency: 1 });
    // this process is working on it (as on an upload or a drop-folder package): left to that work
    second.resume();
    await second.idle();
    expect(second.view(id)?.status).toBe('validating');
    // a server still running, or a bevara ingest, on this host: this test's parent process stands for it
    ownedBy(id, { pid: process.ppid });
    second.resume();
    await second.idle();
    expect(second.view(id)?.status).toBe('validating');
    expect(fs.existsSync(path.join(archive.paths.staging, 'uploads', `${id}.pkg`))).toBe(true);
    // the number of a process that started after the owner: the owner is gone
    ownedBy(id, { pid: process.ppid, start: 'another boot:1' });
    second.resume();
    await second.idle();
    expect(second.view(id)?.status).toBe('archived');
  });

  it('answers 503 I-022 while the one submission slot is taken, and accepts again once it is free', async () => {
    const file = await packageFile('busy', {});
    const bytes = fs.readFileSync(file);
    const url = new URL(base);
    // An upload that sends half its body and then waits holds the only slot.
    const socket = net.connect(Number(url.port), url.hostname);
    await new Promise<void>((r) => socket.once('connect', r));
    socket.write([`POST /api/v1/submissions HTTP/1.1`, `Host: ${url.host}`, `Authorization: Bearer ${tokens.plain}`, `Content-Length: ${bytes.length}`, '', ''].join('\r\n'));
    socket.write(bytes.subarray(0, bytes.length >> 1));
    await new Promise((r) => setTimeout(r, 200));
    const refused = await post(tokens.plain, file);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await refused.json()) as { code: string }).code).toBe('I-022');
    const answer = new Promise<string>((resolve) => socket.once('data', (c) => resolve(c.toString('utf8'))));
    socket.write(bytes.subarray(bytes.length >> 1));
    expect(await answer).toMatch(/^HTTP\/1\.1 202/);
    socket.destroy();
    await service.idle();
    expect((await decided(tokens.plain, await post(tokens.plain, await packageFile('after-busy', {})))).status).toBe('archived');
    expect(stagingLeft()).toEqual([]);
  });

  it('archives a tar package sent over HTTP', async () => {
    const view = await decided(tokens.plain, await post(tokens.plain, await packageFile('tarred', {}, 'tar')));
    expect(view.status).toBe('archived');
    expect(archive.show(view.receipt.aip.id).files.some((f) => f.path === 'submission/sip.xml')).toBe(true);
    expect(stagingLeft()).toEqual([]);
  });

  it('archives other content under the same OBJID as a new AIP version where the agreement allows updates', async () => {
    const objid = 'SIP-update-over-http';
    const first = await decided(tokens.updates, await post(tokens.updates, await packageFile('v1-content', { objid })));
    expect(first.receipt.aip.version).toBe('v1');
    const second = await decided(tokens.updates, await post(tokens.updates, await packageFile('v2-content', { objid, cases: 2 })));
    expect(second.status).toBe('archived');
    expect(second.id).not.toBe(first.id);
    expect(second.receipt.aip).toEqual({ id: first.receipt.aip.id, version: 'v2' });
    expect(archive.show(first.receipt.aip.id).head).toBe('v2');
    // under an agreement without updates the same OBJID with other content is rejected with I-016
    const refused = await decided(tokens.plain, await post(tokens.plain, await packageFile('v3-content', { objid, cases: 3 })));
    expect(refused.status).toBe('rejected');
    expect(refused.receipt.failedRules).toEqual(['I-016']);
    const [verification] = await archive.verify([first.receipt.aip.id]);
    expect(verification!.ok).toBe(true);
  });

  it('refuses with 403 I-027 a package citing another submission agreement than the token is for', async () => {
    const before = archive.list().length;
    const underHr = await post(tokens.hr, await packageFile('cites-other', { submissionAgreement: 'KS 1999/0007' }));
    expect(underHr.status).toBe(403);
    expect(((await underHr.json()) as { code: string }).code).toBe('I-027');
    const underDefault = await post(tokens.plain, await packageFile('cites-hr', { submissionAgreement: 'KS 2024/0001' }));
    expect(underDefault.status).toBe(403);
    expect(((await underDefault.json()) as { code: string }).code).toBe('I-027');
    expect(archive.list().length).toBe(before);
    expect(stagingLeft()).toEqual([]);
    expect((await decided(tokens.hr, await post(tokens.hr, await packageFile('cites-hr-ok', { submissionAgreement: 'KS 2024/0001' })))).status).toBe('archived');
  });
});

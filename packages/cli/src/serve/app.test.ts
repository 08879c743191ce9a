import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { DropFolder, SubmissionService, ermsCatalog, generatePackage, writeHostile, writeZip, DEFAULT_AGREEMENT } from '@bevara/ingest';
import { Archive } from '@bevara/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from './app.ts';
import { OPENAPI } from './openapi.ts';

let work: string;
let archive: Archive;
let service: SubmissionService;
let server: http.Server;
let base: string;
let token: string;
let otherToken: string;
const ajv = new Ajv2020({ strict: false });
ajv.addSchema(JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../../schemas/receipt.schema.json'), 'utf8')));
ajv.addSchema({ ...OPENAPI, $id: 'openapi' } as object);

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'bevara-http-'));
  archive = await Archive.init(path.join(work, 'archive'), { catalogExtensions: [ermsCatalog] });
  service = new SubmissionService(archive, { maxBytes: 5 * 1024 * 1024, idleTimeoutMs: 500, concurrency: 4 });
  await service.registry.addAgreement({ id: 'other', name: 'Other' }, 'test');
  token = (await service.registry.createToken({ submitter: 'hr-system' }, 'test')).token;
  otherToken = (await service.registry.createToken({ submitter: 'x', agreement: 'other' }, 'test')).token;
  server = http.createServer(createApp({ submissions: service, log: () => undefined }).callback());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await service.idle();
  await archive.close();
  await rm(work, { recursive: true, force: true });
});

/** Checks a real response against the OpenAPI document's schema for that path, method and status. */
async function conforms(res: Response, pathKey: string, method: string): Promise<any> {
  const op = (OPENAPI.paths as any)[pathKey][method];
  const spec = op.responses[String(res.status)];
  expect(spec, `${method} ${pathKey} ${res.status} is documented`).toBeDefined();
  const type = res.headers.get('content-type')!.split(';')[0]!;
  const body = await res.json();
  const schema = spec.content[type]?.schema;
  expect(schema, `${type} documented`).toBeDefined();
  const ref = schema.$ref.replace('#/', 'openapi#/');
  const valid = ajv.validate({ $ref: ref }, body);
  expect(valid, JSON.stringify(ajv.errors)).toBe(true);
  return body;
}

async function zipOf(seed: string): Promise<string> {
  const file = path.join(work, `${seed}.zip`);
  if (!fs.existsSync(file)) await writeZip(generatePackage({ profile: 'fgs12', seed, organisation: 'Exempelby kommun', cases: 2 }), file);
  return file;
}

const post = (file: string, headers: Record<string, string> = {}) =>
  fetch(`${base}/api/v1/submissions`, { method: 'POST', headers: { authorization: `Bearer ${token}`, ...headers }, body: fs.readFileSync(file) });

function stagingLeft(): string[] {
  const uploads = path.join(archive.paths.staging, 'uploads');
  return [...fs.readdirSync(archive.paths.staging).filter((n) => n !== 'journal' && n !== 'uploads'), ...(fs.existsSync(uploads) ? fs.readdirSync(uploads) : [])];
}

describe('HTTP submissions', () => {
  it('answers /healthz and serves its OpenAPI 3.1 document', async () => {
    await conforms(await fetch(`${base}/healthz`), '/healthz', 'get');
    const doc = (await (await fetch(`${base}/api/v1/openapi.json`)).json()) as { openapi: string };
    expect(doc.openapi).toBe('3.1.0');
  });

  it('archives a posted package: 202 + Location, then GET shows archived with a receipt; the same package again is 200 with the first id', async () => {
    const res = await post(await zipOf('http-ok'), { 'Bevara-Delivery-Id': 'D-42' });
    expect(res.status).toBe(202);
    const accepted = await conforms(res, '/api/v1/submissions', 'post');
    expect(res.headers.get('location')).toBe(`/api/v1/submissions/${accepted.id}`);
    await service.idle();
    const got = await fetch(`${base}${res.headers.get('location')}`, { headers: { authorization: `Bearer ${token}` } });
    const view = await conforms(got, '/api/v1/submissions/{id}', 'get');
    expect(view.status).toBe('archived');
    expect(view.receipt.deliveryId).toBe('D-42');
    const again = await post(await zipOf('http-ok'));
    expect(again.status).toBe(200);
    expect((await conforms(again, '/api/v1/submissions', 'post')).id).toBe(accepted.id);
    const xml = await fetch(`${base}/api/v1/submissions/${accepted.id}/receipt.xml`, { headers: { authorization: `Bearer ${token}` } });
    expect(xml.status).toBe(200);
    expect(await xml.text()).toContain('<outcome>archived</outcome>');
    expect(archive.list()).toHaveLength(1);
    expect(stagingLeft()).toEqual([]);
  });

  it('refuses no token, a wrong token and a token for another agreement with problem+json', async () => {
    const file = await zipOf('http-auth');
    const none = await fetch(`${base}/api/v1/submissions`, { method: 'POST', body: fs.readFileSync(file) });
    expect(none.status).toBe(401);
    expect((await conforms(none, '/api/v1/submissions', 'post')).code).toBe('I-018');
    const wrong = await fetch(`${base}/api/v1/submissions`, { method: 'POST', headers: { authorization: 'Bearer bvt_nope' }, body: fs.readFileSync(file) });
    expect((await conforms(wrong, '/api/v1/submissions', 'post')).code).toBe('I-018');
    const other = await fetch(`${base}/api/v1/submissions`, { method: 'POST', headers: { authorization: `Bearer ${otherToken}`, 'Bevara-Agreement': 'default' }, body: fs.readFileSync(file) });
    expect(other.status).toBe(403);
    expect((await conforms(other, '/api/v1/submissions', 'post')).code).toBe('I-019');
    expect(archive.list()).toHaveLength(1);
    expect(stagingLeft()).toEqual([]);
  });

  it('answers 413 to a body over the limit before reading it', async () => {
    const { status, body } = await rawPost({ 'content-length': String(6 * 1024 * 1024) }, Buffer.alloc(1024), false);
    expect(status).toBe(413);
    expect(JSON.parse(body).code).toBe('I-020');
    expect(stagingLeft()).toEqual([]);
  });

  it('drops an upload cut off mid-stream and a slow client, leaving nothing behind', async () => {
    const bytes = fs.readFileSync(await zipOf('http-cut'));
    await rawPost({ 'content-length': String(bytes.length) }, bytes.subarray(0, 1000), true).catch(() => undefined);
    const slow = await rawPost({ 'content-length': String(bytes.length) }, bytes.subarray(0, 1000), false);
    expect(slow.status).toBe(400);
    expect(JSON.parse(slow.body).code).toBe('I-021');
    await new Promise((r) => setTimeout(r, 200));
    await service.idle();
    expect(archive.list()).toHaveLength(1);
    expect(stagingLeft()).toEqual([]);
  });

  for (const kind of ['zip-dotdot', 'zip-symlink', 'zip-truncated', 'xml-external-entity', 'mets-checksum-mismatch'] as const) {
    it(`rejects the hostile package ${kind} sent over HTTP with nothing archived`, async () => {
      const file = path.join(work, `${kind}.pkg`);
      await writeHostile(kind, file);
      const res = await post(file);
      expect(res.status).toBe(202);
      const { id } = (await res.json()) as { id: string };
      await service.idle();
      const view = (await (await fetch(`${base}/api/v1/submissions/${id}`, { headers: { authorization: `Bearer ${token}` } })).json()) as any;
      expect(view.status).toBe('rejected');
      expect(view.receipt.failedRules.length).toBeGreaterThan(0);
      expect(archive.list()).toHaveLength(1);
      expect(stagingLeft()).toEqual([]);
    });
  }
});

describe('drop folder', () => {
  it('takes renamed-in and .ready packages, moves them to done/ or rejected/ with receipts, and after a restart neither loses nor repeats one', async () => {
    const dir = await mkdtemp(path.join(work, 'drop-'));
    const drop = () => new DropFolder(dir, { submitter: { name: 'drop', agreement: DEFAULT_AGREEMENT }, ingest: (f, s) => service.ingestFile(f, s) });
    fs.copyFileSync(await zipOf('drop-a'), path.join(dir, 'a.zip'));
    fs.copyFileSync(await zipOf('drop-b'), path.join(dir, 'b.zip'));
    fs.writeFileSync(path.join(dir, 'b.zip.ready'), '');
    await writeHostile('zip-dotdot', path.join(dir, 'c.zip'));
    fs.writeFileSync(path.join(dir, 'c.zip.ready'), '');
    const first = await drop().scan();
    expect(first.map((o) => `${o.name}:${o.outcome}`).sort()).toEqual(['b.zip:archived', 'c.zip:rejected']);
    // a.zip was seen once; it is taken when unchanged on the next scan. Simulate a crash mid-ingest of it:
    fs.renameSync(path.join(dir, 'a.zip'), path.join(dir, '.processing', 'a.zip'));
    const second = await drop().scan();
    expect(second.map((o) => `${o.name}:${o.outcome}`)).toEqual(['a.zip:archived']);
    // the same package dropped again is not archived twice
    fs.copyFileSync(await zipOf('drop-a'), path.join(dir, 'a2.zip'));
    fs.writeFileSync(path.join(dir, 'a2.zip.ready'), '');
    const before = archive.list().length;
    await drop().scan();
    expect(archive.list().length).toBe(before);
    for (const f of ['done/a.zip', 'done/a.zip.receipt.xml', 'done/a.zip.receipt.xml.p7s', 'done/b.zip.report.json', 'rejected/c.zip', 'rejected/c.zip.receipt.json', 'done/a2.zip']) {
      expect(fs.existsSync(path.join(dir, f)), f).toBe(true);
    }
    expect(fs.readdirSync(path.join(dir, '.processing'))).toEqual([]);
  });

  it('is watched by one process at a time: another watcher, or a single scan, is refused with I-030 until it stops', async () => {
    const dir = await mkdtemp(path.join(work, 'drop-one-'));
    const drop = () => new DropFolder(dir, { submitter: { name: 'drop', agreement: DEFAULT_AGREEMENT }, ingest: (f, s) => service.ingestFile(f, s), intervalMs: 50 });
    const watcher = drop();
    await watcher.start();
    const other = drop();
    try {
      await expect(other.start()).rejects.toMatchObject({ code: 'I-030', message: expect.stringContaining(`pid ${process.pid}`) });
      await expect(other.scan()).rejects.toMatchObject({ code: 'I-030' });
      // the watcher itself goes on taking packages
      fs.copyFileSync(await zipOf('drop-one'), path.join(dir, 'one.zip'));
      fs.writeFileSync(path.join(dir, 'one.zip.ready'), '');
      while (!fs.existsSync(path.join(dir, 'done', 'one.zip'))) await new Promise((r) => setTimeout(r, 50));
    } finally {
      await watcher.stop();
    }
    expect(await other.scan()).toEqual([]);
    await other.stop();
    // the lock's files are passed over as packages
    expect(fs.readdirSync(path.join(dir, 'done')).filter((n) => !n.startsWith('one.zip'))).toEqual([]);
  });
});

describe('drop folder failures', () => {
  it('moves a package whose ingest failed for good to failed/ with its error, and takes it again once moved back', async () => {
    const dir = await mkdtemp(path.join(work, 'drop-failed-'));
    const drop = new DropFolder(dir, { submitter: { name: 'drop', agreement: DEFAULT_AGREEMENT }, ingest: (f, s) => service.ingestFile(f, s) });
    fs.copyFileSync(await zipOf('drop-failed'), path.join(dir, 'f.zip'));
    fs.writeFileSync(path.join(dir, 'f.zip.ready'), '');
    // the write journal cannot be made: a fault of the archive that a retry would not mend
    const journal = path.join(archive.paths.staging, 'journal');
    fs.rmSync(journal, { recursive: true, force: true });
    fs.writeFileSync(journal, 'not a folder');
    try {
      expect((await drop.scan()).map((o) => `${o.name}:${o.outcome}`)).toEqual(['f.zip:failed']);
      // a second package of the same name failing too does not take the first one's place
      fs.copyFileSync(await zipOf('drop-failed-2'), path.join(dir, 'f.zip'));
      fs.writeFileSync(path.join(dir, 'f.zip.ready'), '');
      expect((await drop.scan()).map((o) => `${o.name}:${o.outcome}`)).toEqual(['f.zip:failed']);
    } finally {
      fs.rmSync(journal, { force: true });
      fs.mkdirSync(journal);
    }
    expect(fs.readdirSync(path.join(dir, '.processing'))).toEqual([]);
    expect(fs.readdirSync(path.join(dir, 'failed')).sort()).toEqual(['f.zip', 'f.zip.2', 'f.zip.2.error.json', 'f.zip.error.json']);
    expect(fs.readFileSync(path.join(dir, 'failed', 'f.zip.2')).equals(fs.readFileSync(await zipOf('drop-failed-2')))).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'failed', 'f.zip.error.json'), 'utf8'))).toMatchObject({ code: 'S-027' });
    // mended: moved back, it is archived
    fs.renameSync(path.join(dir, 'failed', 'f.zip'), path.join(dir, 'f.zip'));
    fs.writeFileSync(path.join(dir, 'f.zip.ready'), '');
    expect((await drop.scan()).map((o) => `${o.name}:${o.outcome}`)).toEqual(['f.zip:archived']);
    expect(fs.existsSync(path.join(dir, 'done', 'f.zip'))).toBe(true);
  });
});

/** A raw HTTP POST that sends only `body` and then either closes (`cut`) or waits for the answer. */
function rawPost(headers: Record<string, string>, body: Buffer, cut: boolean): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(base);
    const socket = net.connect(Number(url.port), url.hostname, () => {
      const head = [`POST /api/v1/submissions HTTP/1.1`, `Host: ${url.host}`, `Authorization: Bearer ${token}`, 'Content-Type: application/octet-stream', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n');
      socket.write(head);
      socket.write(body);
      if (cut) { socket.destroy(); resolve({ status: 0, body: '' }); }
    });
    let data = '';
    socket.on('data', (c) => { data += c.toString('utf8'); });
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d+)/.exec(data)?.[1] ?? 0);
      const length = Number(/\r\ncontent-length: (\d+)/i.exec(data)?.[1] ?? 0);
      const start = data.indexOf('\r\n\r\n') + 4;
      resolve({ status, body: data.slice(start, start + length) });
    });
    socket.on('error', reject);
    setTimeout(() => socket.end(), 3000);
  });
}

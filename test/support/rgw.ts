/**
 * A throwaway Ceph RADOS Gateway for tests: one single-node cluster (mon + osd + radosgw) on
 * loopback, started by `ceph-s3.sh run` as our child. The cluster lives exactly as long as that
 * child: stop() sends SIGTERM, and if this process dies without stopping it, the EOF on the
 * child's stdin pipe tears it down anyway (nothing is left in /tmp either way).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const CEPH_S3_SCRIPT = fileURLToPath(new URL('./ceph-s3.sh', import.meta.url));

/** What a test needs to reach the server; plain data, so vitest can `provide` it to workers. */
export interface S3ServerInfo {
  /** e.g. http://127.0.0.1:27480 */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  region: string;
  /** The cluster's folder; lets any process stop and start the gateway (see stopGateway). */
  dir: string;
}

export interface RgwCluster extends S3ServerInfo {
  /** Tears down the whole cluster and removes its folder. Safe to call twice. */
  stop(): Promise<void>;
}

const ACCESS_KEY = 'testkey';
const SECRET_KEY = 'testsecret';

/** True when the Ceph binaries that ceph-s3.sh needs are on PATH. */
export function rgwInstalled(): boolean {
  const dirs = (process.env.PATH ?? '').split(path.delimiter);
  return ['radosgw', 'ceph-mon', 'ceph-osd', 'radosgw-admin', 'monmaptool'].every((bin) =>
    dirs.some((d) => d !== '' && existsSync(path.join(d, bin))),
  );
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A random base port with base, base+1 and base+2 free (S3, mon v1, mon v2). */
async function freePortTriple(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const base = 20000 + Math.floor(Math.random() * 20000);
    if ((await isFree(base)) && (await isFree(base + 1)) && (await isFree(base + 2))) return base;
  }
  throw new Error('no free port triple for the S3 test server');
}

/** Starts a cluster on BlueStore (a sparse file: bounded RAM) and resolves once S3 answers. */
export async function startRgw(store: 'bluestore' | 'memstore' = 'bluestore'): Promise<RgwCluster> {
  const port = await freePortTriple();
  // created, and removed again on stop, by the script
  const dir = path.join(os.tmpdir(), `bevara-rgw-${randomUUID()}`);
  const child = spawn('bash', [CEPH_S3_SCRIPT, 'run', dir, String(port), store], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, S3_ACCESS_KEY: ACCESS_KEY, S3_SECRET_KEY: SECRET_KEY },
  });
  await untilReady(child);
  // the pipes must keep flowing, or a chatty script would block on a full pipe
  child.stdout?.resume();
  child.stderr?.resume();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    accessKey: ACCESS_KEY,
    secretKey: SECRET_KEY,
    region: 'us-east-1',
    dir,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await gone;
    },
  };
}

function untilReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const onOut = (d: Buffer): void => {
      out += d.toString();
      if (out.includes('S3 ready')) {
        child.removeListener('exit', onExit);
        resolve();
      }
    };
    const onExit = (code: number | null): void =>
      reject(new Error(`ceph-s3.sh exited with ${code} before S3 was ready:\n${err.slice(-2000)}`));
    child.stdout?.on('data', onOut);
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.once('exit', onExit);
  });
}

/**
 * Stops only the gateway of a running cluster: S3 requests then fail with "connection refused"
 * while the data stays. Works from any process (a test worker), given the cluster's folder.
 * Do not use it on the shared per-run cluster: other test files talk to it in parallel; start
 * a private one with startRgw() instead.
 */
export async function stopGateway(server: Pick<S3ServerInfo, 'dir'>): Promise<void> {
  await run('bash', [CEPH_S3_SCRIPT, 'gateway-stop', server.dir]);
}

/** Starts the gateway again on the same port; resolves once S3 answers. */
export async function startGateway(server: Pick<S3ServerInfo, 'dir'>): Promise<void> {
  await run('bash', [CEPH_S3_SCRIPT, 'gateway-start', server.dir], {
    env: { ...process.env, S3_ACCESS_KEY: ACCESS_KEY, S3_SECRET_KEY: SECRET_KEY },
  });
}

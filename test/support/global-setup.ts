/**
 * Starts the services the suite needs, once per test run: one throwaway Ceph RGW cluster that
 * every S3 test shares (each test makes its own bucket). Tests read its address with
 * `inject('s3')`; it is null when Ceph is not installed, and the S3 tests then skip visibly.
 * Under CI a missing Ceph fails the run: there is no fake S3 to fall back to. Outside CI,
 * BEVARA_SKIP_S3=1 saves the ~8 s cluster start when only local tests are wanted. It also starts `bevara`
 * once, so its start-up bundle is compiled before the tests start it in parallel.
 */
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { bevara } from './cli.ts';
import { rgwInstalled, startRgw, type S3ServerInfo } from './rgw.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    s3: S3ServerInfo | null;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await warmCliBundle();
  if (process.env.BEVARA_SKIP_S3 && !process.env.CI) {
    project.provide('s3', null);
    return async () => {};
  }
  if (!rgwInstalled()) {
    if (process.env.CI) {
      throw new Error('Ceph RGW (radosgw) is not installed, so the S3 tests cannot run: run `bash .ci/install-s3.sh` first.');
    }
    project.provide('s3', null);
    return async () => {};
  }
  const cluster = await startRgw();
  const { stop, ...info } = cluster;
  project.provide('s3', info);
  return stop;
}

/**
 * One start of `bevara` before the tests, so that the bundle it compiles after a source change
 * (packages/cli/bin/bundle-cache.js) is made once, not by the first few CLI starts of every test file at once.
 */
async function warmCliBundle(): Promise<void> {
  const r = await bevara(['--version']);
  if (r.code !== 0) throw new Error(`bevara --version failed (exit ${r.code}):\n${r.stderr}`);
}

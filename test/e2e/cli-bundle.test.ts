/**
 * `bevara` starts from a bundle compiled on first use (packages/cli/bin/bundle-cache.js), kept while no
 * source changes, made anew when one does, with V8's code cache for each verb beside it, and runs through tsx
 * when no bundle can be made. Each test
 * uses its own cache folder (BEVARA_CLI_CACHE), so the suite's shared cache is not disturbed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bevara, jsonError, REPO_ROOT } from '../support/cli.ts';
import { tempDir } from './support/archive.ts';

type Manifest = { build: string; inputs: Record<string, [number, number]> };

describe('bevara start-up bundle', () => {
  let dir: string;
  const readManifest = (cache: string): Manifest => JSON.parse(fs.readFileSync(path.join(cache, 'manifest.json'), 'utf8')) as Manifest;
  // BEVARA_DEBUG makes the launcher say when it falls back to tsx.
  const start = (cache: string, args: string[]) => bevara(args, { env: { BEVARA_CLI_CACHE: cache, BEVARA_DEBUG: '1' } });

  beforeAll(() => {
    dir = tempDir('cli-bundle');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is built on the first start, from every source, the libraries and tsconfig.json, and reused after', async () => {
    const cache = path.join(dir, 'first');
    const first = await start(cache, ['--version']);
    // The version is read from package.json next to the source, found through import.meta.url.
    expect(first).toEqual({ code: 0, stdout: `${JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'packages/cli/package.json'), 'utf8')).version}\n`, stderr: '' });
    const manifest = readManifest(cache);
    expect(fs.existsSync(path.join(cache, manifest.build, 'main.cjs'))).toBe(true);
    const inputs = Object.keys(manifest.inputs);
    for (const source of ['packages/cli/src/main.ts', 'packages/cli/src/commands/list.ts', 'packages/storage/src/index.ts', 'packages/ingest/src/index.ts', 'packages/access/src/index.ts', 'packages/cli/bin/bundle-cache.js', 'tsconfig.json']) {
      expect(inputs).toContain(path.join(REPO_ROOT, source));
    }
    expect(inputs.some((f) => f.includes('/node_modules/') && f.includes('better-sqlite3'))).toBe(true);

    const before = fs.readFileSync(path.join(cache, 'manifest.json'), 'utf8');
    const again = await start(cache, ['--version']);
    expect(again).toEqual(first);
    expect(fs.readFileSync(path.join(cache, 'manifest.json'), 'utf8')).toBe(before);
    expect(fs.readdirSync(cache).sort()).toEqual([manifest.build, 'manifest.json'].sort());
  });

  it('is made anew when a source it was made from changed, and when its build folder is gone', async () => {
    const cache = path.join(dir, 'stale');
    expect((await start(cache, ['--version'])).code).toBe(0);
    const manifest = readManifest(cache);
    const main = path.join(REPO_ROOT, 'packages/cli/src/main.ts');
    const real = manifest.inputs[main]!;
    // As if main.ts had been edited since: the manifest remembers another mtime.
    fs.writeFileSync(path.join(cache, 'manifest.json'), JSON.stringify({ ...manifest, inputs: { ...manifest.inputs, [main]: [real[0] - 1000, real[1]] } }));
    const rebuilt = await start(cache, ['--version']);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect(readManifest(cache).inputs[main]).toEqual(real);

    fs.rmSync(path.join(cache, manifest.build), { recursive: true });
    const restored = await start(cache, ['--version']);
    expect(restored.code, restored.stderr).toBe(0);
    expect(fs.existsSync(path.join(cache, readManifest(cache).build, 'main.cjs'))).toBe(true);
  });

  it('runs a command with its exit status and JSON error as before', async () => {
    const cache = path.join(dir, 'errors');
    const r = await bevara(['list', '--json'], { env: { BEVARA_CLI_CACHE: cache } });
    expect(r.code).toBe(2);
    expect(jsonError(r).code).toBe('C-002');
    expect(fs.existsSync(path.join(cache, 'manifest.json'))).toBe(true);
  });

  it("keeps V8's code cache per verb beside the bundle, made by a successful run, and runs on when one is damaged", async () => {
    const cache = path.join(dir, 'code-cache');
    const run = (args: string[]) => bevara(args, { env: { BEVARA_CLI_CACHE: cache } });
    const first = await run(['--version']);
    expect(first.code).toBe(0);
    const codeCache = path.join(cache, readManifest(cache).build, 'code-cache');
    const [name] = fs.readdirSync(codeCache);
    expect(name).toMatch(/^other-\d+\.v8$/);
    const file = path.join(codeCache, name!);
    const made = fs.readFileSync(file);
    expect(made.length).toBeGreaterThan(1000);
    // used, not made again
    expect(await run(['--version'])).toEqual(first);
    expect(fs.readFileSync(file).equals(made)).toBe(true);
    // a failed run (no archive) makes none: it compiled too little to be worth keeping
    expect(jsonError(await run(['list', '--json'])).code).toBe('C-002');
    expect(fs.readdirSync(codeCache)).toEqual([name]);
    // V8 refuses a damaged cache; the command runs as before and writes a sound one
    fs.writeFileSync(file, Buffer.alloc(made.length, 7));
    expect(await run(['--version'])).toEqual(first);
    expect(fs.readFileSync(file).equals(Buffer.alloc(made.length, 7))).toBe(false);
    expect(await run(['--version'])).toEqual(first);
  });

  it("removes what a writer of the code cache killed before its rename left, once it is an hour old", async () => {
    const cache = path.join(dir, 'abandoned');
    const run = (args: string[]) => bevara(args, { env: { BEVARA_CLI_CACHE: cache } });
    expect((await run(['--version'])).code).toBe(0);
    const codeCache = path.join(cache, readManifest(cache).build, 'code-cache');
    const [name] = fs.readdirSync(codeCache);
    // as a killed writer leaves them: its temporary file, and no cache
    const old = path.join(codeCache, `${name}.99999.0badc0de`);
    const recent = path.join(codeCache, `${name}.99998.0c0ffee0`);
    fs.writeFileSync(old, 'partial');
    fs.writeFileSync(recent, 'partial');
    const twoHoursAgo = new Date(Date.now() - 2 * 3600 * 1000);
    fs.utimesSync(old, twoHoursAgo, twoHoursAgo);
    fs.rmSync(path.join(codeCache, name!));
    expect((await run(['--version'])).code).toBe(0);
    // the cache is made again; the old leftover is gone, the recent one may still be a live writer's
    expect(fs.readdirSync(codeCache).sort()).toEqual([name, path.basename(recent)].sort());
  });

  it('runs through tsx when no bundle can be kept', async () => {
    const blocker = path.join(dir, 'a-file');
    fs.writeFileSync(blocker, '');
    const r = await start(path.join(blocker, 'cache'), ['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(r.stderr).toContain('no compiled bundle, running through tsx');
  });
});

// The compiled command line, made without a build step: the first start after a source change bundles
// src/main.ts with the workspace packages into one ESM bundle (esbuild, well under a second) kept in a cache;
// every later start loads that bundle directly, which spares tsx's loader thread and its per-module round
// trips (about 0.8 s of each start). Plain JavaScript, because it runs before anything can compile TypeScript.
//
// The cache holds one folder per build, named by the hash of its output, and manifest.json naming the
// current one and every file it was made from with its mtime and size. A start stats those files (a few
// milliseconds); any difference, a vanished file or a missing manifest means a new build. Libraries in
// node_modules stay outside the bundle, loaded by Node from their own files (a CommonJS one by require), so
// their native addons and data files behave as under tsx; their resolved entry files are in the manifest too,
// so a reinstall that moves them also means a new build.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const CLI_ROOT = fileURLToPath(new URL('..', import.meta.url));
const ENTRY = path.join(CLI_ROOT, 'src', 'main.ts');
const MANIFEST = 'manifest.json';
/**
 * Builds no longer current are removed once this old. Not at once: a running `bevara serve` may still load a
 * chunk of the build it started from (an S3 store is opened lazily), and several checkouts' edits may race.
 */
const KEEP_SUPERSEDED_MS = 3600 * 1000;

/** Where builds are kept: BEVARA_CLI_CACHE, else node_modules/.cache of the cli package. */
export function cacheDir() {
  return process.env.BEVARA_CLI_CACHE || path.join(CLI_ROOT, 'node_modules', '.cache', 'bevara-cli');
}

/** The file URL of the current build's entry, or undefined when there is none or a source changed since. */
export function freshBuild(cache) {
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(cache, MANIFEST), 'utf8'));
    for (const [file, [mtimeMs, size]] of Object.entries(manifest.inputs)) {
      const stat = fs.statSync(file, { throwIfNoEntry: false });
      if (stat === undefined || stat.mtimeMs !== mtimeMs || stat.size !== size) return undefined;
    }
    const entry = path.join(cache, manifest.build, 'main.js');
    return fs.existsSync(entry) ? pathToFileURL(entry).href : undefined;
  } catch {
    return undefined; // no manifest yet, or not one this file wrote: build anew
  }
}

/**
 * Bundles the sources into a new build folder and makes it current; returns its entry's file URL. Safe to
 * run in several processes at once: each writes into a private folder and renames it into place, and
 * identical sources give the same folder name.
 */
export async function build(cache) {
  const esbuild = await import('esbuild');
  fs.mkdirSync(cache, { recursive: true });
  /** @type {Map<string, [number, number]>} every file read, with its mtime and size as read */
  const inputs = new Map();
  const workspace = {
    name: 'bevara-workspace',
    setup(b) {
      // Workspace packages (@bevara/*) and relative imports are bundled; every other package stays external,
      // imported by its resolved path because the bundle does not live beside the importer's node_modules.
      b.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.path.startsWith('@bevara/') || args.pluginData === 'resolving') return undefined;
        const resolved = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'resolving' });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        if (resolved.external) return { path: args.path, external: true }; // a Node built-in
        record(inputs, resolved.path);
        if (args.kind === 'import-statement' && isCommonJs(resolved.path, inputs)) return { path: resolved.path, namespace: COMMONJS_LIBRARY };
        return { path: resolved.path, external: true };
      });
      // A CommonJS library is required, as from CommonJS. Imported, Node would first detect its format, scan
      // its source for export names and wrap it in an ES module: a few milliseconds a library, and a command
      // loads ten of them (better-sqlite3, node-forge, prom-client, libxmljs2, ...) before it does anything.
      // Its exports reach the importer by esbuild's interop, with Node's meaning of a default import. Not so a
      // library loaded by import(): esbuild would give that chunk a default export alone, no named ones.
      b.onLoad({ filter: /.*/, namespace: COMMONJS_LIBRARY }, (args) => ({
        contents: `module.exports = process.getBuiltinModule('node:module').createRequire(${JSON.stringify(args.path)})(${JSON.stringify(args.path)});`,
        loader: 'js',
      }));
      // import.meta.url must keep naming the source file: modules find their data files (schemas, PRONOM
      // signatures, package.json) relative to it, and in the bundle it would name the bundle. Anything else
      // of import.meta fails the build (and test/e2e/cli-bundle.test.ts with it) rather than run wrong.
      b.onLoad({ filter: /\.ts$/ }, async (args) => {
        const fd = fs.openSync(args.path, 'r');
        let source;
        try {
          const stat = fs.fstatSync(fd);
          source = fs.readFileSync(fd, 'utf8');
          inputs.set(args.path, [stat.mtimeMs, stat.size]);
        } finally {
          fs.closeSync(fd);
        }
        const contents = source
          .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href))
          .replaceAll('import.meta.filename', JSON.stringify(args.path))
          .replaceAll('import.meta.dirname', JSON.stringify(path.dirname(args.path)));
        if (/\bimport\.meta\b/.test(contents)) {
          return { errors: [{ text: 'import.meta other than import.meta.url cannot be bundled; extend bin/bundle-cache.js' }] };
        }
        return { contents, loader: 'ts' };
      });
    },
  };
  const result = await esbuild.build({
    entryPoints: [ENTRY],
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outdir: path.join(cache, 'out'),
    chunkNames: 'chunks/[name]-[hash]',
    sourcemap: 'linked',
    metafile: true,
    write: false,
    logLevel: 'silent',
    plugins: [workspace],
  });
  // Whatever else esbuild read (a JSON import, tsconfig.json) counts as a source too, and so does this file.
  for (const file of Object.keys(result.metafile.inputs)) if (!file.includes(':')) record(inputs, path.resolve(file));
  record(inputs, fileURLToPath(import.meta.url));
  const tsconfig = nearestTsconfig(CLI_ROOT);
  if (tsconfig) record(inputs, tsconfig);

  const hash = crypto.createHash('sha256');
  for (const f of [...result.outputFiles].sort((a, b) => a.path.localeCompare(b.path))) hash.update(f.path).update(f.contents);
  const id = hash.digest('hex').slice(0, 16);
  const folder = path.join(cache, id);
  if (!fs.existsSync(folder)) {
    const pending = fs.mkdtempSync(path.join(cache, 'pending-'));
    try {
      for (const f of result.outputFiles) {
        const target = path.join(pending, path.relative(path.join(cache, 'out'), f.path));
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, f.contents);
      }
      fs.chmodSync(pending, 0o755); // mkdtemp made it private; other users of this installation read it too
      fs.renameSync(pending, folder);
    } catch (e) {
      fs.rmSync(pending, { recursive: true, force: true });
      // Another process renamed the same build into place first.
      if (!fs.existsSync(path.join(folder, 'main.js'))) throw e;
    }
  }
  const manifestTmp = path.join(cache, `${MANIFEST}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`);
  fs.writeFileSync(manifestTmp, JSON.stringify({ build: id, inputs: Object.fromEntries(inputs) }));
  fs.renameSync(manifestTmp, path.join(cache, MANIFEST));
  removeSuperseded(cache, id);
  return pathToFileURL(path.join(folder, 'main.js')).href;
}

const COMMONJS_LIBRARY = 'commonjs-library';

/**
 * Whether Node loads the library file as CommonJS: a .cjs file, or a .js one whose package (nearest
 * package.json, recorded as a source) does not say "type": "module".
 */
function isCommonJs(file, inputs) {
  if (file.endsWith('.cjs')) return true;
  if (!file.endsWith('.js')) return false;
  for (let dir = path.dirname(file); path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (!fs.existsSync(pkg)) continue;
    record(inputs, pkg);
    return JSON.parse(fs.readFileSync(pkg, 'utf8')).type !== 'module';
  }
  return true;
}

function record(inputs, file) {
  if (inputs.has(file)) return;
  const stat = fs.statSync(file);
  inputs.set(file, [stat.mtimeMs, stat.size]);
}

function nearestTsconfig(dir) {
  for (let d = dir; ; d = path.dirname(d)) {
    const candidate = path.join(d, 'tsconfig.json');
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(d) === d) return undefined;
  }
}

/** Removes old builds and the leftovers of interrupted ones, never the current build. */
function removeSuperseded(cache, current) {
  const now = Date.now();
  for (const entry of fs.readdirSync(cache, { withFileTypes: true })) {
    if (entry.name === current || entry.name === MANIFEST) continue;
    const file = path.join(cache, entry.name);
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    if (stat !== undefined && now - stat.mtimeMs > KEEP_SUPERSEDED_MS) fs.rmSync(file, { recursive: true, force: true });
  }
}

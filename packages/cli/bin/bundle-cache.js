// The compiled command line, made without a build step: the first start after a source change bundles
// src/main.ts with the workspace packages into one CommonJS file (esbuild, well under a second) kept in a cache;
// every later start runs that file directly, which spares tsx's loader thread and its per-module round trips
// (about 0.8 s of each start). Plain JavaScript, because it runs before anything can compile TypeScript.
//
// One file, CommonJS, run through vm.Script so that V8's code cache can be kept beside it (runBundle): with it a
// start skips parsing and compiling what the command ran last time (an ES module graph cannot use a code cache
// in Node 20). Each verb keeps its own cache, made at the end of its first successful run, holding the functions
// it used.
//
// The cache holds one folder per build, named by the hash of its output, and manifest.json naming the
// current one and every file it was made from with its mtime and size. A start stats those files (a few
// milliseconds); any difference, a vanished file or a missing manifest means a new build. Libraries in
// node_modules stay outside the bundle, required by Node from their own files by their CommonJS entries (also
// one loaded by import(): the bundle keeps no import()), so their native addons and data files behave as under
// tsx; their resolved entry files are in the manifest too, so a reinstall that moves them also means a new build.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';

const CLI_ROOT = fileURLToPath(new URL('..', import.meta.url));
const ENTRY = path.join(CLI_ROOT, 'src', 'main.ts');
const MANIFEST = 'manifest.json';
const BUNDLE = 'main.cjs';
/** Code caches, one per verb, in a build's folder. */
const CODE_CACHE = 'code-cache';
/**
 * Builds no longer current are removed once this old. Not at once: a running `bevara serve` may still load a
 * chunk of the build it started from (an S3 store is opened lazily), and several checkouts' edits may race.
 */
const KEEP_SUPERSEDED_MS = 3600 * 1000;

/** Where builds are kept: BEVARA_CLI_CACHE, else node_modules/.cache of the cli package. */
export function cacheDir() {
  return process.env.BEVARA_CLI_CACHE || path.join(CLI_ROOT, 'node_modules', '.cache', 'bevara-cli');
}

/** The current build's bundle file, or undefined when there is none or a source changed since. */
export function freshBuild(cache) {
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(cache, MANIFEST), 'utf8'));
    for (const [file, [mtimeMs, size]] of Object.entries(manifest.inputs)) {
      const stat = fs.statSync(file, { throwIfNoEntry: false });
      if (stat === undefined || stat.mtimeMs !== mtimeMs || stat.size !== size) return undefined;
    }
    const bundle = path.join(cache, manifest.build, BUNDLE);
    return fs.existsSync(bundle) ? bundle : undefined;
  } catch {
    return undefined; // no manifest yet, or not one this file wrote: build anew
  }
}

/**
 * Bundles the sources into a new build folder and makes it current; returns its bundle file. Safe to
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
      // required by its resolved path because the bundle does not live beside the importer's node_modules.
      b.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.path.startsWith('@bevara/') || args.pluginData === 'resolving') return undefined;
        const resolved = await b.resolve(args.path, { kind: 'require-call', importer: args.importer, resolveDir: args.resolveDir, pluginData: 'resolving' });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        const target = resolved.external ? args.path : resolved.path; // a Node built-in, or a library's file
        if (!resolved.external) {
          record(inputs, resolved.path);
          if (!isCommonJs(resolved.path, inputs)) return { errors: [{ text: `${args.path} has no CommonJS entry, which a CommonJS bundle needs` }] };
        }
        return { path: target, external: true };
      });
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
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    outfile: path.join(cache, 'out', BUNDLE),
    // Every import() becomes a require() when it runs: the bundle runs as a vm.Script, where an import() needs
    // Node's experimental loader hook (which warns on stderr, and failed for code taken from the code cache).
    supported: { 'dynamic-import': false },
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
      if (!fs.existsSync(path.join(folder, BUNDLE))) throw e;
    }
  }
  const manifestTmp = path.join(cache, `${MANIFEST}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`);
  fs.writeFileSync(manifestTmp, JSON.stringify({ build: id, inputs: Object.fromEntries(inputs) }));
  fs.renameSync(manifestTmp, path.join(cache, MANIFEST));
  removeSuperseded(cache, id);
  return path.join(folder, BUNDLE);
}

/**
 * Runs the bundle and returns its exports, with the code cache `verb` kept in the build's folder: read when it is
 * there and V8 takes it, else written when a successful run ends (exit status 0), holding every function the run
 * compiled: a failed run (a mistyped verb, a missing archive) compiles little and would make a poor cache. Named
 * by V8's cache version too, so processes started with other V8 flags or another Node keep their own. A cache that
 * cannot be read or written only costs the time it would have saved. `mapped`: stack traces will be read (source
 * maps are on), and Node maps them only for a file its own loader loaded: required, without a cache.
 */
export function runBundle(bundle, verb, mapped) {
  if (mapped) return createRequire(import.meta.url)(bundle);
  const name = /^[a-z][a-z-]{0,39}$/.test(verb ?? '') ? verb : 'other';
  const codeCache = path.join(path.dirname(bundle), CODE_CACHE, `${name}-${v8.cachedDataVersionTag()}.v8`);
  let cachedData;
  try {
    cachedData = fs.readFileSync(codeCache);
  } catch {
    cachedData = undefined; // not made yet
  }
  const source = fs.readFileSync(bundle, 'utf8');
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: bundle, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) {
    process.once('exit', (code) => {
      if (code === 0) keepCodeCache(script, codeCache);
    });
  }
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, path.dirname(bundle));
  return module.exports;
}

function keepCodeCache(script, file) {
  const temp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
  let fd;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // opened before the cache is made: where nothing can be written (a read-only install) it is not made at all
    fd = fs.openSync(temp, 'wx');
    fs.writeSync(fd, script.createCachedData());
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(temp, file);
  } catch {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(temp, { force: true }); // the next start compiles again
  }
  removeAbandoned(file);
}

/**
 * The temporary files of writers of `file` that were killed before their rename: old enough (KEEP_SUPERSEDED_MS) that
 * no live writer can still be making them.
 */
function removeAbandoned(file) {
  const prefix = `${path.basename(file)}.`;
  try {
    removeOld(path.dirname(file), (name) => name.startsWith(prefix));
  } catch {
    // a folder that cannot be read holds nothing this process wrote
  }
}

/**
 * Whether Node loads the library file as CommonJS: a .cjs file, a .json file, or a .js one whose package (nearest
 * package.json, recorded as a source) does not say "type": "module".
 */
function isCommonJs(file, inputs) {
  if (file.endsWith('.cjs') || file.endsWith('.json')) return true;
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
  removeOld(cache, (name) => name !== current && name !== MANIFEST);
}

/** Removes the entries of `dir` that `chosen` names and that are older than KEEP_SUPERSEDED_MS. */
function removeOld(dir, chosen) {
  const now = Date.now();
  for (const name of fs.readdirSync(dir)) {
    if (!chosen(name)) continue;
    const file = path.join(dir, name);
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    if (stat !== undefined && now - stat.mtimeMs > KEEP_SUPERSEDED_MS) fs.rmSync(file, { recursive: true, force: true });
  }
}

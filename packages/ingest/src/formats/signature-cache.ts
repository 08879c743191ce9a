/**
 * A per-user cache of compiled signature files. Parsing and compiling the DROID file costs a process about
 * 0.3 s before it can identify anything; reading the compiled form back costs a small fraction of that.
 *
 * A cache file is named by what it was made from: the SHA-256 of the signature file's bytes and of the
 * compiler's own source (every module of this folder but the tests), so a new signature file or any change
 * to how signatures compile never reads a stale entry, and there is no version number to forget to bump. It holds
 * the SHA-256 of its payload, then the payload (`v8.serialize` of plain data), and is written to a temp file
 * and renamed into place, so a reader sees a whole file or none. Anything wrong with it (unreadable, a digest
 * that does not match, data that does not deserialize or has the wrong shape) means a full load, which then
 * replaces it. The cache is an optimisation only: a folder that cannot be made, read or written, or that
 * another user could write to, is silently not used.
 */
import { createHash, randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';

const DIGEST_BYTES = 32;
/** Far above any compiled signature file (the DROID one is a few MB): a larger entry is not ours. */
const MAX_ENTRY_BYTES = 64 * 1024 * 1024;
/** Entries of a kind that are no longer current are removed once this old: another checkout may still use them. */
const KEEP_SUPERSEDED_MS = 3600 * 1000;

/** `$XDG_CACHE_HOME/bevara`, else `~/.cache/bevara`; null when there is no home to put it in. */
export function signatureCacheDir(env: NodeJS.ProcessEnv = process.env, home: string = userHome()): string | null {
  const xdg = env['XDG_CACHE_HOME'];
  // The XDG spec: a relative path is invalid and is ignored.
  if (xdg !== undefined && isAbsolute(xdg)) return join(xdg, 'bevara');
  return home !== '' && isAbsolute(home) ? join(home, '.cache', 'bevara') : null;
}

function userHome(): string {
  try {
    return homedir();
  } catch {
    return '';
  }
}

/**
 * The compiled form of a signature file: read from the cache in `dir` when an entry made from these bytes by
 * this compiler is there and sound, else `compile()`d and stored. `accept` checks the shape of what was read.
 */
export function cachedCompile<T>(
  kind: string,
  bytes: Buffer,
  dir: string | null,
  compile: () => T,
  accept: (value: unknown) => value is T,
): T {
  const file = dir === null ? null : cacheFile(dir, kind, bytes);
  if (dir === null || file === null) return compile();
  const hit = readEntry(dir, file, accept);
  if (hit !== undefined) return hit;
  const value = compile();
  writeEntry(dir, file, kind, value);
  return value;
}

/** The entry's path, or null when the compiler's source cannot be read to name it. */
function cacheFile(dir: string, kind: string, bytes: Buffer): string | null {
  const compiler = compilerDigest();
  if (compiler === null) return null;
  const key = createHash('sha256').update(bytes).update(compiler).digest('hex');
  return join(dir, `${kind}-${key}.v8`);
}

let compilerDigestMemo: string | null | undefined;

/** SHA-256 over the source of every module of this folder but the tests: the code that shapes the compiled form. */
function compilerDigest(): string | null {
  if (compilerDigestMemo !== undefined) return compilerDigestMemo;
  try {
    const here = dirname(fileURLToPath(import.meta.url));
    const hash = createHash('sha256');
    for (const name of readdirSync(here).filter((n) => n.endsWith('.ts') && !n.endsWith('.test.ts')).sort()) {
      hash.update(`${name}\0`).update(readFileSync(join(here, name))).update('\0');
    }
    compilerDigestMemo = hash.digest('hex');
  } catch {
    compilerDigestMemo = null;
  }
  return compilerDigestMemo;
}

function readEntry<T>(dir: string, file: string, accept: (value: unknown) => value is T): T | undefined {
  let data: Buffer;
  try {
    if (!trusted(dir)) return undefined;
    // a plain file of a sane size: not a link, a FIFO that would block, or something huge
    const st = lstatSync(file);
    if (!st.isFile() || st.size > MAX_ENTRY_BYTES) return undefined;
    data = readFileSync(file);
    // in use: another install's sweep (removeSuperseded) goes by age and must not take it
    const now = new Date();
    utimesSync(file, now, now);
  } catch {
    return undefined; // no entry yet, or none we can read
  }
  if (data.length <= DIGEST_BYTES) return undefined;
  const payload = data.subarray(DIGEST_BYTES);
  if (!createHash('sha256').update(payload).digest().equals(data.subarray(0, DIGEST_BYTES))) return undefined;
  try {
    const value: unknown = v8.deserialize(payload);
    return accept(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function writeEntry(dir: string, file: string, kind: string, value: unknown): void {
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!trusted(dir)) return;
    const payload = v8.serialize(value);
    const digest = createHash('sha256').update(payload).digest();
    writeFileSync(temp, Buffer.concat([digest, payload]), { flag: 'wx', mode: 0o600 });
    renameSync(temp, file);
  } catch {
    removeQuietly(temp); // a read-only or full disk: the next process compiles again
    return;
  }
  removeSuperseded(dir, file, kind);
}

/** Only a folder of our own that no one else may write to: anything in it is believed without a signature. */
function trusted(dir: string): boolean {
  // the folder itself, not what a link there points to (in a shared XDG_CACHE_HOME another user could plant one)
  const st = lstatSync(dir);
  const uid = process.getuid?.();
  return st.isDirectory() && (uid === undefined || st.uid === uid) && (st.mode & 0o022) === 0;
}

/** Older entries of the same kind, and temp files a killed writer left, once they are no longer fresh. */
function removeSuperseded(dir: string, current: string, kind: string): void {
  try {
    const now = Date.now();
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (path === current || !name.startsWith(`${kind}-`) || !(name.endsWith('.v8') || name.endsWith('.tmp'))) continue;
      try {
        if (now - statSync(path).mtimeMs > KEEP_SUPERSEDED_MS) unlinkSync(path);
      } catch {
        // gone already, or not ours to remove
      }
    }
  } catch {
    // the entry is written; tidying is best effort
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // never made, or already gone
  }
}

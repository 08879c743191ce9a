/**
 * Every command opens the archive, so opening it and listing its AIPs loads only the libraries that needs:
 * fast-xml-parser (reading back METS and PREMIS) waits for the first XML to read, prom-client for the first
 * metric. (node-forge is loaded: the archive's certificate is parsed at open.) A child process opens a
 * real archive under tsx, with a hook that notes every npm package it resolves as an ES module and, on exit,
 * every one it required as CommonJS.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Archive } from './archive.ts';

const ARCHIVE_TS = fileURLToPath(new URL('./archive.ts', import.meta.url));

/** Runs in the loader thread: notes each resolved file in node_modules. */
const HOOKS = `import fs from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (resolved.url.includes('/node_modules/')) fs.appendFileSync(process.env.LOADED_OUT, resolved.url + '\\n');
  return resolved;
}
`;
const PRELOAD = `import fs from 'node:fs';
import { createRequire, register } from 'node:module';
register(new URL('./hooks.mjs', import.meta.url));
const require = createRequire(import.meta.url);
process.on('exit', () => fs.appendFileSync(process.env.LOADED_OUT, Object.keys(require.cache).join('\\n') + '\\n'));
`;
const OPEN_AND_LIST = `import { Archive } from ${JSON.stringify(pathToFileURL(ARCHIVE_TS).href)};
const archive = await Archive.open(process.argv[1]);
if (archive.list().length !== 0) throw new Error('expected an empty archive');
await archive.close();
`;

let dir: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bevara-open-loads-'));
  fs.writeFileSync(path.join(dir, 'hooks.mjs'), HOOKS);
  fs.writeFileSync(path.join(dir, 'preload.mjs'), PRELOAD);
  await (await Archive.init(path.join(dir, 'archive'))).close();
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The npm packages a process that opens the archive and lists it loads. */
function librariesLoadedByOpenAndList(): Promise<string[]> {
  const out = path.join(dir, 'loaded.txt');
  fs.rmSync(out, { force: true });
  const args = ['--import', 'tsx', '--import', pathToFileURL(path.join(dir, 'preload.mjs')).href, '--input-type=module', '-e', OPEN_AND_LIST, path.join(dir, 'archive')];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { env: { ...process.env, LOADED_OUT: out }, cwd: path.dirname(ARCHIVE_TS), timeout: 60_000 }, (error, _stdout, stderr) => {
      if (error) return reject(new Error(`open and list failed: ${stderr}`, { cause: error }));
      const files = fs.readFileSync(out, 'utf8').split('\n').filter((f) => f.length > 0);
      const libraries = new Set(files.flatMap((f) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f.split('node_modules/.pnpm/').pop()!)?.[1] ?? []));
      resolve([...libraries].sort());
    });
  });
}

it('opening an archive and listing it loads no XML parser and no metrics library', async () => {
  const libraries = await librariesLoadedByOpenAndList();
  expect(libraries).toContain('better-sqlite3'); // the hook and the preload see what is loaded
  expect(libraries).not.toContain('fast-xml-parser');
  expect(libraries).not.toContain('prom-client');
}, 60_000);

/**
 * Every `bevara` start pays for what it loads, so a command loads only what it uses: parsing the command line
 * (--help, --version, a usage error) loads commander and none of the packages' libraries, nor Node's HTTP
 * server that only serve and demo start. The real command runs, with a preload that notes on exit which
 * CommonJS files and Node built-ins the process loaded.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../bin/bevara.js', import.meta.url));

const PRELOAD = `import fs from 'node:fs';
import { createRequire } from 'node:module';
const require = createRequire(process.cwd() + '/');
process.on('exit', () => fs.writeFileSync(process.env.LOADED_OUT, JSON.stringify({ files: Object.keys(require.cache), builtins: process.moduleLoadList })));
`;

interface Loaded {
  exit: number;
  /** The npm packages whose CommonJS files were loaded. */
  libraries: string[];
  builtins: string[];
}

describe('bevara start-up', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bevara-startup-'));
    fs.writeFileSync(path.join(dir, 'preload.mjs'), PRELOAD);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const start = (args: string[]): Promise<Loaded> => {
    const out = path.join(dir, `loaded-${args.join('-')}.json`);
    const env = { ...process.env, LOADED_OUT: out, BEVARA_ARCHIVE: undefined, BEVARA_DEBUG: undefined };
    return new Promise((resolve, reject) => {
      execFile(process.execPath, ['--import', pathToFileURL(path.join(dir, 'preload.mjs')).href, BIN, ...args], { env, timeout: 60_000 }, (error) => {
        if (error && typeof error.code !== 'number') return reject(error);
        const loaded = JSON.parse(fs.readFileSync(out, 'utf8')) as { files: string[]; builtins: string[] };
        const libraries = new Set(loaded.files.flatMap((f) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f.split('node_modules/.pnpm/').pop()!)?.[1] ?? []));
        resolve({ exit: error ? (error.code as number) : 0, libraries: [...libraries].sort(), builtins: loaded.builtins });
      });
    });
  };

  it.each([[['--version']], [['--help']], [['list', '--no-such-option']]])('bevara %j loads commander alone', async (args) => {
    const loaded = await start(args);
    expect(loaded.exit).toBe(args[0] === 'list' ? 2 : 0);
    expect(loaded.libraries).toEqual(['commander']);
    expect(loaded.builtins).not.toContain('NativeModule http');
  });
});

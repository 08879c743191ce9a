/**
 * Runs the real `bevara` command line as a child process, exactly as an archivist or a script does:
 * `node packages/cli/bin/bevara.js ARGS` from the repository root. Tests assert on the exit code,
 * stdout and stderr, never on internals.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BEVARA_BIN = fileURLToPath(new URL('../../packages/cli/bin/bevara.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Added to a clean environment (BEVARA_* of the test runner's own environment are not passed on). */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** A hang is a failure too: the child is killed after this long. */
  timeoutMs?: number;
}

export function bevara(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('BEVARA_')) env[k] = v;
  for (const [k, v] of Object.entries(options.env ?? {})) if (v !== undefined) env[k] = v;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [BEVARA_BIN, ...args],
      { cwd: options.cwd ?? REPO_ROOT, env, timeout: options.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(new Error(`bevara ${args.join(' ')} did not exit normally (${error.signal ?? error.code ?? error.message})\n${stderr}`));
          return;
        }
        resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
      },
    );
  });
}

/** `bevara ARGS --archive DIR`. */
export function bevaraIn(dir: string, args: string[], options: CliOptions = {}): Promise<CliResult> {
  return bevara([...args, '--archive', dir], options);
}

/** The JSON lines a --json command printed on stdout. */
export function jsonLines<T = Record<string, unknown>>(stdout: string): T[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

/** The one JSON error object a --json command printed on stderr. */
export function jsonError(result: CliResult): { code: string; message: string } {
  const lines = result.stderr.split('\n').filter((l) => l.trim() !== '');
  if (lines.length !== 1) throw new Error(`expected exactly one JSON error line on stderr, got:\n${result.stderr}`);
  return JSON.parse(lines[0]!) as { code: string; message: string };
}

/** A real `bevara serve` child process for the end-to-end tests: its JSON log lines, its address, a clean stop. */
import { spawn, type ChildProcess } from 'node:child_process';
import { BEVARA_BIN, REPO_ROOT } from '../../support/cli.ts';

export interface Served {
  child: ChildProcess;
  base: string;
  logs: Record<string, unknown>[];
  /** Resolves with the first log line (after `from`) that `match` accepts. */
  until(match: (l: Record<string, unknown>) => boolean, from?: number, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `bevara serve --port 0 ARGS --archive DIR` (no BEVARA_ variables of this process) and waits until it listens. */
export function serve(dir: string, args: string[]): Promise<Served> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('BEVARA_')) env[k] = v;
  const child = spawn(process.execPath, [BEVARA_BIN, 'serve', '--port', '0', ...args, '--archive', dir], { cwd: REPO_ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const logs: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  let rest = '';
  child.stderr!.on('data', (d: Buffer) => {
    rest += d.toString();
    const lines = rest.split('\n');
    rest = lines.pop()!;
    for (const l of lines) if (l.trim()) logs.push(JSON.parse(l) as Record<string, unknown>);
    for (const w of waiters) w();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const until: Served['until'] = (match, from = 0, timeoutMs = 60_000) =>
    new Promise((resolve, reject) => {
      const look = (): void => {
        const hit = logs.slice(from).find(match);
        if (hit) {
          waiters.delete(look);
          clearTimeout(timer);
          resolve(hit);
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(look);
        reject(new Error(`no such log line within ${timeoutMs} ms; logs:\n${logs.map((l) => JSON.stringify(l)).join('\n')}`));
      }, timeoutMs);
      waiters.add(look);
      void exited.then(() => look());
      look();
    });
  return until((l) => l.msg === 'listening').then((l) => ({
    child,
    base: `http://${String(l.address)}`,
    logs,
    until,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  }));
}

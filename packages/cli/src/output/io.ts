import { createRequire } from 'node:module';

// cli-progress is required only when a bar is drawn (a terminal, no --json): most starts, scripts' and
// tests', never draw one and need not load it.
const require = createRequire(import.meta.url);

/**
 * Where a command's results go. Commands never print: they return a summary and the verb's renderer
 * turns it into text or the JSON lines the contract names. Progress bars only on a terminal, and never
 * with --json, so scripts read clean output.
 */
export interface Io {
  json: boolean;
  out(line: string): void;
  err(line: string): void;
  progress(label: string): ProgressBar;
}

export interface ProgressBar {
  update(done: number, total: number | undefined, what?: string): void;
  stop(): void;
}

export function processIo(json: boolean): Io {
  const bars = !json && process.stderr.isTTY === true;
  return {
    json,
    out: (line) => process.stdout.write(line + '\n'),
    err: (line) => process.stderr.write(line + '\n'),
    progress: (label) => (bars ? terminalBar(label) : { update: () => undefined, stop: () => undefined }),
  };
}

function terminalBar(label: string): ProgressBar {
  const { SingleBar } = require('cli-progress') as typeof import('cli-progress');
  const bar = new SingleBar({
    format: `${label} [{bar}] {value}/{total} {what}`,
    stream: process.stderr,
    hideCursor: true,
    clearOnComplete: true,
  });
  let started = false;
  return {
    update(done, total, what = '') {
      if (!started) {
        bar.start(total ?? 0, done, { what });
        started = true;
      }
      if (total !== undefined) bar.setTotal(total);
      bar.update(done, { what: what.length > 40 ? `…${what.slice(-39)}` : what });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

export function jsonLine(value: unknown): string {
  return JSON.stringify(value);
}

export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

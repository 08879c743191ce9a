import { spawn } from 'node:child_process';
import os from 'node:os';

/** Runs a command and returns its wall time in seconds and peak RSS in KB (from GNU time). */
export async function timed(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ wall: number; rssKb: number; stdout: string }> {
  const start = process.hrtime.bigint();
  const child = spawn('/usr/bin/time', ['-f', '__RSS__%M', cmd, ...args], { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code: number = await new Promise((r) => child.on('close', (c) => r(c ?? 1)));
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  if (code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`);
  const rss = /__RSS__(\d+)/.exec(stderr);
  return { wall, rssKb: rss ? Number(rss[1]) : 0, stdout };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function report(name: string, target: string, bevara: number[], baseline: number[], unit = 's'): void {
  const b = median(bevara);
  const base = median(baseline);
  const ratio = b / base;
  console.log(`${name}: bevara ${b.toFixed(3)} ${unit}, baseline ${base.toFixed(3)} ${unit}, ratio ${ratio.toFixed(2)}× (target ${target})`);
}

/** Each round's pair: on a machine whose disk and memory vary from minute to minute, the spread says how far a median holds. */
export function rounds(bevara: number[], baseline: number[]): void {
  console.log(`  rounds (bevara / baseline): ${bevara.map((b, i) => `${b.toFixed(2)} / ${baseline[i]!.toFixed(2)}`).join(', ')}`);
}

/** The 1, 5 and 15 minute load averages, for the record next to a figure. */
export function loadAverage(): string {
  return os.loadavg().map((l) => l.toFixed(2)).join(' / ');
}

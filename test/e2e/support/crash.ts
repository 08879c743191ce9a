/** Runs test/e2e/support/crash-writer.ts as a child process and SIGKILLs it (see that file). */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from '../../support/cli.ts';

const WRITER = path.join(REPO_ROOT, 'test/e2e/support/crash-writer.ts');
const TSX = pathToFileURL(createRequire(path.join(REPO_ROOT, 'packages/cli/package.json')).resolve('tsx')).href;

export interface Run { killed: string; committed: Map<string, string> }

export function runWriter(archiveDir: string, args: string[], killAfterMs?: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, WRITER, archiveDir, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const committed = new Map<string, string>();
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      for (let nl = out.indexOf('\n'); nl >= 0; nl = out.indexOf('\n')) {
        const [, id, head] = out.slice(0, nl).split(' ');
        if (id && head) committed.set(id, head);
        out = out.slice(nl + 1);
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(guard);
      if (signal !== 'SIGKILL') reject(new Error(`writer ended with ${code ?? signal} instead of being killed:\n${err}`));
      else resolve({ killed: args.length ? `at put ${args.join(' ')}` : `after ${killAfterMs} ms`, committed });
    });
  });
}


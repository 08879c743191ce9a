import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { hashFiles } from './hash-pool.ts';

describe('hash workers', () => {
  it('hash files of every size and report a missing one by its errno code', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bevara-hash-'));
    try {
      const sizes = [0, 1, 128 * 1024, 128 * 1024 + 1, 3 * 1024 * 1024 + 7];
      const files = sizes.map((n, i) => {
        const file = path.join(dir, `f${i}`);
        fs.writeFileSync(file, Buffer.alloc(n, i + 1));
        return file;
      });
      const results = await hashFiles([...files, path.join(dir, 'missing')]);
      expect(results.slice(0, -1)).toEqual(sizes.map((n, i) => ({ size: n, sha256: createHash('sha256').update(Buffer.alloc(n, i + 1)).digest('hex') })));
      expect(results.at(-1)).toMatchObject({ error: 'ENOENT' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keep the order of many files, sent in chunks to several workers', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bevara-hash-'));
    try {
      const contents = Array.from({ length: 150 }, (_, i) => Buffer.alloc((i * 7919) % 70_000, `${i}/`));
      const files = contents.map((bytes, i) => {
        const file = path.join(dir, `f${i}`);
        fs.writeFileSync(file, bytes);
        return file;
      });
      const results = await hashFiles(files);
      expect(results).toEqual(contents.map((bytes) => ({ size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') })));
      expect(await hashFiles([])).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a worker held up by one long read holds back at most the few requests it already holds, not a share of everything sent', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bevara-hash-'));
    try {
      // a named pipe: its read blocks until we write to it, like a file of gigabytes or a slow disk
      const pipe = path.join(dir, 'pipe');
      await promisify(execFile)('mkfifo', [pipe]);
      const small = path.join(dir, 'small');
      fs.writeFileSync(small, 'small');
      const slow = hashFiles([pipe]);
      await new Promise((resolve) => setTimeout(resolve, 50));
      let done = 0;
      const others = Array.from({ length: 24 }, () => hashFiles([small]).then((r) => (done++, r)));
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(done).toBeGreaterThanOrEqual(21);
      await promisify(execFile)('sh', ['-c', `printf x > "${pipe}"`]);
      expect(await slow).toEqual([{ size: 1, sha256: createHash('sha256').update('x').digest('hex') }]);
      for (const r of await Promise.all(others)) expect(r).toEqual([{ size: 5, sha256: createHash('sha256').update('small').digest('hex') }]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('started but idle, they do not keep a process alive (a CLI command ends when its work does)', async () => {
    const script = `import(${JSON.stringify(new URL('./hash-pool.ts', import.meta.url).href)}).then(async (m) => { m.startHashWorkers(); await m.hashFiles([${JSON.stringify(process.execPath)}]); console.log('done'); })`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '-e', script], { timeout: 15_000 });
    expect(stdout.trim()).toBe('done');
  });
});

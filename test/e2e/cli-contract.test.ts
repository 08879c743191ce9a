/**
 * The command-line contract of issue 3, run as a user runs it: how commands find their archive, help
 * and version, --json output, and exit statuses (0 all well, 2 usage or system error) with errors as
 * one JSON object {"code","message"} on stderr.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BEVARA_BIN, bevara, bevaraIn, jsonError, jsonLines, REPO_ROOT } from '../support/cli.ts';
import { tempDir } from './support/archive.ts';

describe.concurrent('bevara command-line contract', () => {
  let dir: string;
  let archiveDir: string;

  beforeAll(async () => {
    dir = tempDir('cli');
    archiveDir = path.join(dir, 'archive');
    // init takes the folder from BEVARA_ARCHIVE when no DIR is given
    const init = await bevara(['init', '--json'], { env: { BEVARA_ARCHIVE: archiveDir } });
    expect(init.code, init.stderr).toBe(0);
    expect(jsonLines(init.stdout)).toEqual([{ archive: archiveDir, archiveId: expect.stringMatching(/^urn:uuid:/), certificate: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('--help lists every verb and ends with the exit statuses; --version prints the version', async () => {
    const [help, version] = await Promise.all([bevara(['--help']), bevara(['--version'])]);
    expect(help.code).toBe(0);
    for (const verb of ['init', 'keys', 'list', 'show', 'verify', 'log', 'catalog']) expect(help.stdout).toMatch(new RegExp(`^  ${verb}\\b`, 'm'));
    expect(help.stdout).toContain('EXIT STATUS');
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('a reader that goes away ends the output quietly: the command still exits with its own status', async () => {
    const child = spawn(process.execPath, [BEVARA_BIN, '--help'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).not.toContain('EPIPE');
    expect(code).toBe(0);
  });

  it('finds the archive by --archive and by BEVARA_ARCHIVE, --archive winning', async () => {
    const [byOption, byEnv, both] = await Promise.all([
      bevaraIn(archiveDir, ['verify', '--json']),
      bevara(['log', 'verify', '--json'], { env: { BEVARA_ARCHIVE: archiveDir } }),
      bevaraIn(archiveDir, ['list', '--json'], { env: { BEVARA_ARCHIVE: path.join(dir, 'nowhere') } }),
    ]);
    expect(byOption).toMatchObject({ code: 0, stdout: '' }); // no AIPs yet: no lines
    expect(byEnv.code, byEnv.stderr).toBe(0);
    expect(jsonLines(byEnv.stdout)).toEqual([expect.objectContaining({ ok: true, entries: 2, problems: [] })]);
    expect(both).toMatchObject({ code: 0, stdout: '' });
  });

  it('init leaves the catalog every command opens: the first command after it does not rebuild it', async () => {
    const fresh = path.join(dir, 'fresh');
    expect((await bevara(['init', fresh, '--json'])).code).toBe(0);
    const catalog = path.join(fresh, 'catalog.sqlite');
    const inode = fs.statSync(catalog).ino;
    const list = await bevara(['list', '--json', '--archive', fresh]);
    expect(list.code, list.stderr).toBe(0);
    // a rebuild renames a new catalog over the old one
    expect(fs.statSync(catalog).ino).toBe(inode);
  });

  it('demo --no-serve makes an archive with its sample deliveries archived, which later commands open as it is', async () => {
    const demo = path.join(dir, 'demo');
    const made = await bevara(['demo', demo, '--no-serve']);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toMatch(/Created the demo archive .*: 2 AIPs/);
    const inode = fs.statSync(path.join(demo, 'catalog.sqlite')).ino;
    const list = await bevara(['list', '--json', '--archive', demo]);
    expect(list.code, list.stderr).toBe(0);
    expect(jsonLines(list.stdout)).toHaveLength(2);
    expect(fs.statSync(path.join(demo, 'catalog.sqlite')).ino).toBe(inode);
  });

  it('exits 2 with C-002 when no archive is given', async () => {
    const r = await bevara(['list', '--json']);
    expect(r.code).toBe(2);
    expect(jsonError(r)).toEqual({ code: 'C-002', message: expect.stringContaining('BEVARA_ARCHIVE') });
    expect(r.stdout).toBe('');
  });

  it('serve exits 2 with C-006 on a port in use, letting go of its drop folder', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const drop = path.join(dir, 'drop-busy-port');
    fs.mkdirSync(drop);
    try {
      const port = (holder.address() as net.AddressInfo).port;
      const r = await bevaraIn(archiveDir, ['serve', '--port', String(port), '--drop', drop, '--audit-check', '0'], { timeoutMs: 30_000 });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}.*\\[C-006\\]$`, 'm'));
      const once = await bevaraIn(archiveDir, ['watch', drop, '--once']);
      expect(once.code, once.stderr).toBe(0);
    } finally {
      holder.close();
    }
  });

  it('exits 2 with S-001 for an AIP that does not exist, as JSON and as text', async () => {
    const [json, text] = await Promise.all([
      bevaraIn(archiveDir, ['show', 'urn:uuid:00000000-0000-0000-0000-000000000000', '--json']),
      bevaraIn(archiveDir, ['show', 'urn:uuid:00000000-0000-0000-0000-000000000000']),
    ]);
    expect(json.code).toBe(2);
    expect(jsonError(json)).toEqual({ code: 'S-001', message: expect.stringContaining('urn:uuid:00000000') });
    expect(text.code).toBe(2);
    expect(text.stderr).toMatch(/^bevara: .*\[S-001\]$/m);
  });

  it.each([
    ['an unknown command', ['frobnicate']],
    ['a missing argument', ['show']],
    ['an unknown option', ['list', '--colour']],
    ['a bad option value', ['keys', 'init', '--days', 'soon']],
    ['a missing option value', ['keys', 'import', 'key.p12', '--password-env']],
  ])('exits 2 on usage errors: %s', async (_, args) => {
    const r = await bevaraIn(archiveDir, args);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/error/i);
  });
});

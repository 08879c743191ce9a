/**
 * Regression (issue 3, found by the crash test): the version journal entry was removed inside the
 * OCFL commit, before the catalog row and the audit entry were written. A SIGKILL in that window left
 * an AIP that was stored and signed but missing from the catalog (`bevara list` did not show it) and
 * from the audit log, and nothing at the next start noticed. Now the entry stays until both exist, so
 * recovery finds the version committed, indexes it and records the recovery.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Archive } from '@bevara/storage';
import { tempDir } from '../e2e/support/archive.ts';
import { runWriter } from '../e2e/support/crash.ts';

describe('issue 3: SIGKILL between the OCFL commit and the catalog update', () => {
  let dir: string;
  let archiveDir: string;

  beforeAll(async () => {
    dir = tempDir('regression-commit');
    archiveDir = path.join(dir, 'archive');
    await (await Archive.init(archiveDir)).close();
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('indexes the committed AIP and records the recovery at the next start', async () => {
    // Put 38 is the first AIP's root inventory sidecar, the last write of the commit; the kill comes
    // a few milliseconds later, while the writer reads the AIP back to index it.
    // (Before the fix the kill landed in the unguarded window; now the entry is still there, unless the
    // machine finished indexing and auditing within those milliseconds, which the checks below allow.)
    await runWriter(archiveDir, ['38', 'later']);

    const archive = await Archive.open(archiveDir);
    try {
      const [result, ...more] = await archive.verify(undefined);
      expect(more).toEqual([]);
      expect(result).toMatchObject({ ok: true, head: 'v1' });
      expect(archive.list().map((a) => a.id)).toEqual([result!.id]);
      expect(archive.show(result!.id).files).toHaveLength(32); // 30 files, PREMIS, METS
      const events = [];
      for await (const e of archive.audit.entries()) events.push(e);
      const about = events.filter((e) => e.subject === result!.id).map((e) => [e.type, (e.data as { outcome?: string } | undefined)?.outcome]);
      expect(about.length).toBeGreaterThan(0);
      expect(about.every(([type, outcome]) => type === 'aip.created' || (type === 'recovery' && outcome === 'committed')), JSON.stringify(about)).toBe(true);
      expect((await archive.verifyLog()).ok).toBe(true);
    } finally {
      await archive.close();
    }
    expect(fs.readdirSync(path.join(archiveDir, 'staging/journal'))).toEqual([]);
  });
});

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { referenceDir } from './schemas.ts';

/**
 * Validates a written XML file with `xmllint --nonet --schema` against a schema of the reference
 * folder, resolving published schema URLs through its catalog (no network). Used by the tests of
 * the generator and of anything that wants an independent second opinion on generated metadata.
 */
export function xmllint(schema: string, file: string): { ok: boolean; output: string } {
  const ref = referenceDir();
  const r = spawnSync('xmllint', ['--nonet', '--noout', '--schema', join(ref, schema), file], {
    env: { ...process.env, XML_CATALOG_FILES: join(ref, 'schemas/catalog.xml') },
    encoding: 'utf8',
  });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

export function haveXmllint(): boolean {
  return spawnSync('xmllint', ['--version']).status === 0;
}

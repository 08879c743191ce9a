import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Validates a written XML file with `xmllint --nonet --schema` against a schema of the shared reference
 * folder (../shared/reference beside the checkout), resolving published schema URLs through its catalog (no network). Used by the tests of
 * the generator and of anything that wants an independent second opinion on generated metadata.
 */
export function xmllint(schema: string, file: string): { ok: boolean; output: string } {
  const ref = sharedReferenceDir();
  const r = spawnSync('xmllint', ['--nonet', '--noout', '--schema', join(ref, schema), file], {
    env: { ...process.env, XML_CATALOG_FILES: join(ref, 'schemas/catalog.xml') },
    encoding: 'utf8',
  });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

export function haveXmllint(): boolean {
  return spawnSync('xmllint', ['--version']).status === 0;
}

/** The shared reference folder beside the checkout (`BEVARA_REFERENCE_DIR` overrides it); tests skip visibly without it. */
export function sharedReferenceDir(): string {
  return process.env['BEVARA_REFERENCE_DIR'] ?? fileURLToPath(new URL('../../../../../shared/reference', import.meta.url));
}

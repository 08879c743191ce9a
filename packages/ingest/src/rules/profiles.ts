/**
 * Requirement levels per profile version, read from the official METS profile XML shipped in
 * vendor/schemas/profiles/ (`<requirement ID=… REQLEVEL=…>`), through the same safe XML path as any input.
 */
import { createReadStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Element } from 'libxmljs2';
import { IngestError } from '../errors.ts';
import type { Level } from '../report/types.ts';
import { parseSafeBytes } from '../xml/dom.ts';
import { readXmlSafely } from '../xml/safe.ts';

export const CSIP_VERSIONS = ['2.0.4', '2.1.0', '2.2.0'] as const;
export type CsipVersion = (typeof CSIP_VERSIONS)[number];

const PROFILES = fileURLToPath(new URL('../../vendor/schemas/profiles/', import.meta.url));
const cache = new Map<string, Promise<Map<string, Level>>>();

export function isCsipVersion(v: string): v is CsipVersion {
  return (CSIP_VERSIONS as readonly string[]).includes(v);
}

/** Levels of every requirement of E-ARK CSIP or SIP at one version. */
export function requirementLevels(spec: 'CSIP' | 'SIP', version: CsipVersion): Promise<Map<string, Level>> {
  const file = `${PROFILES}E-ARK-${spec}-v${version.replaceAll('.', '-')}.xml`;
  let p = cache.get(file);
  if (p === undefined) {
    p = (async () => {
      const bytes = await readXmlSafely(createReadStream(file), { name: file }).catch((cause: unknown) => {
        throw new IngestError('I-012', 'bundled profile missing or unreadable', { profile: file }, { cause });
      });
      const doc = parseSafeBytes(bytes, file);
      const levels = new Map<string, Level>();
      for (const req of doc.find<Element>('//p:requirement', { p: 'http://www.loc.gov/METS_Profile/v2' })) {
        const id = req.attr('ID')?.value();
        const level = req.attr('REQLEVEL')?.value();
        if (id && (level === 'MUST' || level === 'SHOULD' || level === 'MAY')) levels.set(id, level);
      }
      return levels;
    })();
    cache.set(file, p);
  }
  return p;
}

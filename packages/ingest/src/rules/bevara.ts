/**
 * Bevara's own requirement IDs, for checks no specification numbers (documented in docs/rules.md).
 * IDs are never reused; a retired one stays listed.
 */
import type { Level } from '../report/types.ts';

export const BEVARA_RULES = {
  'BEVARA-001': { level: 'MUST', text: 'every XML document Bevara reads is well-formed, in UTF-8 or another ASCII-compatible encoding, has no DOCTYPE and is within the size and depth limits' },
  'BEVARA-002': { level: 'MUST', text: 'every METS document is valid against the pinned official METS schemas of its profile' },
  'BEVARA-003': { level: 'MUST', text: 'every PREMIS file referenced from digiprovMD is valid against the pinned PREMIS schema' },
  'BEVARA-004': { level: 'SHOULD', text: 'every file in the package is referenced from a METS document' },
  'BEVARA-005': { level: 'MUST', text: 'techMD and sourceMD references resolve to package files whose size and checksum match' },
  'BEVARA-006': { level: 'MUST', text: 'every ERMS document is valid against the pinned schema of its version' },
  'BEVARA-007': { level: 'SHOULD', text: "every file a fileSec lists is identified by PRONOM PUID and is in a format the submission agreement's format policy accepts (MUST under an agreement with strict formats)" },
} as const satisfies Record<string, { level: Level; text: string }>;

export type BevaraRuleId = keyof typeof BEVARA_RULES;

export function bevaraLevel(id: string): Level | undefined {
  return (BEVARA_RULES as Record<string, { level: Level }>)[id]?.level;
}

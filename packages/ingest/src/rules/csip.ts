/**
 * The E-ARK CSIP profile (and SIP on top of it): which rules run on which METS document, and the file
 * references fixity.ts verifies under CSIP IDs. Levels come from the profile XML of the detected version.
 */
import type { Level, Result } from '../report/types.ts';
import { FILE_RULES } from './csip-files.ts';
import { HEADER_RULES } from './csip-header.ts';
import { METADATA_RULES } from './csip-metadata.ts';
import { STRUCTMAP_RULES } from './csip-structmap.ts';
import { runRules } from './engine.ts';
import type { ReferenceKind } from './fixity.ts';
import { FILE_LOCATORS, type MetsContext } from './mets-model.ts';
import { requirementLevels, type CsipVersion } from './profiles.ts';
import { SIP_RULES } from './sip.ts';

export const CSIP_METS_RULES = [...HEADER_RULES, ...METADATA_RULES, ...FILE_RULES, ...STRUCTMAP_RULES];

export const CSIP_REFERENCES: ReferenceKind[] = [
  { xpath: FILE_LOCATORS, attrsOn: 'parent', ids: { href: 'CSIP79', size: 'CSIP69', checksum: 'CSIP71' } },
  { xpath: 'mets:dmdSec/mets:mdRef', attrsOn: 'self', ids: { href: 'CSIP24', size: 'CSIP27', checksum: 'CSIP29' } },
  { xpath: 'mets:amdSec/mets:digiprovMD/mets:mdRef', attrsOn: 'self', ids: { href: 'CSIP38', size: 'CSIP41', checksum: 'CSIP43' } },
  { xpath: 'mets:amdSec/mets:rightsMD/mets:mdRef', attrsOn: 'self', ids: { href: 'CSIP51', size: 'CSIP54', checksum: 'CSIP56' } },
  // techMD and sourceMD are not profiled by CSIP; their references are still verified, under Bevara's own ID.
  { xpath: 'mets:amdSec/mets:techMD/mets:mdRef | mets:amdSec/mets:sourceMD/mets:mdRef', attrsOn: 'self', ids: { href: 'BEVARA-005', size: 'BEVARA-005', checksum: 'BEVARA-005' } },
];

export interface CsipLevels {
  csip: Map<string, Level>;
  sip: Map<string, Level>;
}

export async function csipLevels(version: CsipVersion): Promise<CsipLevels> {
  return { csip: await requirementLevels('CSIP', version), sip: await requirementLevels('SIP', version) };
}

/** Runs the CSIP rules on one METS document, and the SIP rules too on the package METS of a SIP. */
export async function checkCsipMets(ctx: MetsContext, version: CsipVersion, levels: CsipLevels, asSip: boolean): Promise<Result[]> {
  const results = await runRules(CSIP_METS_RULES, ctx, ctx.mets.file, (id) => levels.csip.get(id));
  if (asSip && ctx.mets.kind === 'root') {
    results.push(...(await runRules(SIP_RULES, { ...ctx, version }, ctx.mets.file, (id) => levels.sip.get(id))));
  }
  return results;
}

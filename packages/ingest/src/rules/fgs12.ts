/**
 * FGS Paketstruktur 1.2 (Riksarkivet, CommonSpecificationSwedenPackageProfile). The profile has no requirement
 * IDs of its own, so Bevara mints FGS12-NNN IDs, each citing the CSPackageMETS.xsd / CSPackageExtensionMETS.xsd
 * rule or the layout practice it enforces (docs/rules.md). Schema validity as a whole is BEVARA-002.
 */
import type { Element } from 'libxmljs2';
import type { Level, Result } from '../report/types.ts';
import type { PackageView } from '../sip/types.ts';
import type { StructureContext } from './csip-structure.ts';
import { runRules, type Rule } from './engine.ts';
import type { ReferenceKind } from './fixity.ts';
import { FILE_LOCATORS, all, attr, first, locatorTarget, where, type MetsContext } from './mets-model.ts';
import { HASHES } from './vocabularies.ts';

export const FGS12_PROFILE_URLS = [
  'http://xml.ra.se/e-arkiv/METS/CommonSpecificationSwedenPackageProfile.xml',
  'http://xml.ra.se/e-arkiv/METS/version12/CommonSpecificationSwedenPackageProfile.xml',
];

/** CSPackageMETS.xsd 1.2, mets/@TYPE enumeration. */
const FGS_TYPES = ['ERMS', 'Personnel', 'Medical record', 'Economics', 'Databases', 'Webpages', 'GIS', 'No specification', 'AIC', 'Publication', 'Archival information', 'Unstructured', 'Single records'];
const RECORD_STATUS = ['SUPPLEMENT', 'REPLACEMENT', 'NEW', 'TEST', 'VERSION', 'OTHER'];
/** CSPackageExtensionMETS.xsd 1.2 enumerations (FGS-NOTES §1.3). */
const ACCESS_RESTRICT = ['Secrecy', 'PuL', 'Secrecy and PuL', 'GDPR'];
const OAIS_STATUS = ['SIP', 'AIP', 'DIP', 'AIU', 'AIC'];
const AGREEMENT_FORM = ['AGREEMENT', 'DEPOSIT', 'GIFT', 'Not specified'];
const APPRAISAL = ['Yes', 'No'];
/** CSPackageMETS.xsd 1.2 agent and altRecordID enumerations (FGS-NOTES §1.2). */
const AGENT_ROLE = ['CREATOR', 'EDITOR', 'ARCHIVIST', 'PRESERVATION', 'DISSEMINATOR', 'CUSTODIAN', 'IPOWNER', 'OTHER'];
const AGENT_OTHERROLE = ['SUBMITTER', 'PRODUCER'];
const AGENT_TYPE = ['INDIVIDUAL', 'ORGANIZATION', 'OTHER'];
const AGENT_OTHERTYPE = ['SOFTWARE'];
const ALT_RECORD_TYPE = ['SUBMISSIONAGREEMENT', 'PREVIOUSSUBMISSIONAGREEMENT', 'REFERENCECODE', 'PREVIOUSREFERENCECODE'];

/** An ext: attribute from CSPackageExtensionMETS.xsd, when given, is from its enumeration. */
function extEnumeration(id: string, xpath: string, name: string, values: readonly string[]): R {
  return rule(id, 'MUST', `${xpath.replace('mets:', '')}/@ext:${name}, when given, is one of ${values.join(', ')} (CSPackageExtensionMETS.xsd ${name})`, ({ mets }, r) => {
    const els = xpath === '.' ? [mets.root] : all(mets.root, xpath);
    const given = els.filter((e) => attr(e, name, 'ext') !== undefined);
    if (given.length === 0) return r.skip(`no @ext:${name}`);
    for (const e of given) {
      const v = attr(e, name, 'ext')!;
      if (!values.includes(v)) r.violation(`@ext:${name} is "${v}", not one of ${values.join(', ')}`, where(e));
    }
  });
}

const LEVELS: Record<string, Level> = {};
type R = Rule<MetsContext> & { level: Level };

function rule(id: string, level: Level, text: string, check: R['check']): R {
  LEVELS[id] = level;
  return { id, level, text, check };
}

export const FGS12_STRUCTURE: Rule<StructureContext>[] = [
  {
    id: 'FGS12-001', level: 'MUST', text: 'the package root holds the METS descriptor sip.xml (or mets.xml) [FGS-NOTES §1.5]',
    check({ pkg }, r) {
      if (!['sip.xml', 'mets.xml', 'METS.xml'].some((f) => pkg.entry(f)?.type === 'file')) r.violation('no sip.xml or mets.xml at the package root');
    },
  },
  {
    id: 'FGS12-015', level: 'SHOULD', text: 'content files lie under Content/ [FGS 1.2 practice, FGS-NOTES §1.5]',
    check({ pkg }, r) {
      const loose = pkg.entries.filter((e) => e.type === 'file' && !/^(sip|mets|METS)\.xml$/.test(e.path) && !/^(Content|System|content|metadata)\//.test(e.path));
      for (const f of loose.slice(0, 50)) r.violation(`${f.path} is outside Content/`);
    },
  },
];
LEVELS['FGS12-001'] = 'MUST';
LEVELS['FGS12-015'] = 'SHOULD';

export const FGS12_RULES: R[] = [
  rule('FGS12-002', 'MUST', 'mets/@PROFILE is the FGS 1.2 profile URL (CSPackageMETS.xsd: PROFILE use="required")', ({ mets }, r) => {
    const p = attr(mets.root, 'PROFILE');
    if (p === undefined || !FGS12_PROFILE_URLS.includes(p.trim())) r.violation(`mets/@PROFILE is ${p === undefined ? 'missing' : `"${p}"`}`, where(mets.root));
  }),
  rule('FGS12-003', 'MUST', 'mets/@OBJID is given (CSPackageMETS.xsd: OBJID use="required")', ({ mets }, r) => {
    if (!attr(mets.root, 'OBJID')?.trim()) r.violation('mets/@OBJID is missing or empty', where(mets.root));
  }),
  rule('FGS12-004', 'MUST', 'mets/@TYPE is an FGS information type (CSPackageMETS.xsd TYPE enumeration)', ({ mets }, r) => {
    const t = attr(mets.root, 'TYPE');
    if (t === undefined || !FGS_TYPES.includes(t)) r.violation(`mets/@TYPE is ${t === undefined ? 'missing' : `"${t}"`}, not one of ${FGS_TYPES.join(', ')}`, where(mets.root));
  }),
  rule('FGS12-005', 'MUST', 'metsHdr exists with @CREATEDATE (CSPackageMETS.xsd: metsHdr minOccurs=1, CREATEDATE required)', ({ mets }, r) => {
    const h = first(mets.root, 'mets:metsHdr');
    if (h === undefined) return r.violation('metsHdr is missing', where(mets.root));
    if (attr(h, 'CREATEDATE') === undefined) r.violation('metsHdr/@CREATEDATE is missing', where(h));
  }),
  rule('FGS12-006', 'MUST', 'metsHdr/@RECORDSTATUS, when given, is from the FGS list (CSPackageMETS.xsd enumeration)', ({ mets }, r) => {
    const h = first(mets.root, 'mets:metsHdr');
    const v = h === undefined ? undefined : attr(h, 'RECORDSTATUS');
    if (v === undefined) return r.skip('no metsHdr/@RECORDSTATUS');
    if (!RECORD_STATUS.includes(v)) r.violation(`metsHdr/@RECORDSTATUS "${v}" is not allowed`, where(h!));
  }),
  rule('FGS12-007', 'MUST', 'metsHdr has at least three agents (CSPackageMETS.xsd: agent minOccurs=3)', ({ mets }, r) => {
    const n = all(mets.root, 'mets:metsHdr/mets:agent').length;
    if (n < 3) r.violation(`metsHdr has ${n} agents; at least 3 are required`, where(mets.root));
  }),
  rule('FGS12-008', 'MUST', 'metsHdr has at least one altRecordID (CSPackageMETS.xsd: altRecordID minOccurs=1)', ({ mets }, r) => {
    if (all(mets.root, 'mets:metsHdr/mets:altRecordID').length === 0) r.violation('metsHdr has no altRecordID', where(mets.root));
  }),
  rule('FGS12-009', 'SHOULD', 'metsHdr/@ext:OAISSTATUS is "SIP" for a submission (CSPackageExtensionMETS.xsd OAISSTATUS)', ({ mets }, r) => {
    const h = first(mets.root, 'mets:metsHdr');
    const v = h === undefined ? undefined : attr(h, 'OAISSTATUS', 'ext');
    if (v !== 'SIP') r.violation(`metsHdr/@ext:OAISSTATUS is ${v === undefined ? 'missing' : `"${v}"`}, not SIP`, where(h ?? mets.root));
  }),
  rule('FGS12-010', 'MUST', 'every file has @MIMETYPE, @SIZE and @CREATED (CSPackageMETS.xsd: required)', ({ mets }, r) => {
    const fs = all(mets.root, 'mets:fileSec//mets:file');
    if (fs.length === 0) return r.skip('no files');
    for (const f of fs) for (const a of ['MIMETYPE', 'SIZE', 'CREATED']) if (attr(f, a) === undefined) r.violation(`file/@${a} is missing`, where(f));
  }),
  rule('FGS12-011', 'SHOULD', 'every file has @CHECKSUM with a @CHECKSUMTYPE Bevara can verify (MD5, SHA-1, SHA-256, SHA-384, SHA-512)', ({ mets }, r) => {
    const fs = all(mets.root, 'mets:fileSec//mets:file');
    if (fs.length === 0) return r.skip('no files');
    for (const f of fs) {
      const t = attr(f, 'CHECKSUMTYPE');
      if (attr(f, 'CHECKSUM') === undefined) r.violation('file/@CHECKSUM is missing', where(f));
      else if (t === undefined || HASHES[t] === undefined) r.violation(`file/@CHECKSUMTYPE is ${t ?? 'missing'}`, where(f));
    }
  }),
  rule('FGS12-012', 'MUST', 'every file is located by an FLocat/@xlink:href inside the package (file:///Content/…, file: or relative)', ({ mets }, r) => {
    const fs = all(mets.root, 'mets:fileSec//mets:file');
    if (fs.length === 0) return r.skip('no files');
    // Each file's first FLocat, from one query for the document rather than one per file.
    const flocats = new Map<Element, Element>();
    for (const l of all(mets.root, FILE_LOCATORS)) {
      const f = l.parent() as Element;
      if (!flocats.has(f)) flocats.set(f, l);
    }
    for (const f of fs) {
      const l = flocats.get(f);
      const t = l === undefined ? undefined : locatorTarget(l, mets.dir);
      if (t === undefined) { r.violation('file has no FLocat/@xlink:href', where(f)); continue; }
      const h = attr(l!, 'href', 'xlink');
      if (t.kind !== 'package') r.violation(`FLocat/@xlink:href "${h}" does not address a file of the package`, where(l!));
    }
  }),
  extEnumeration('FGS12-017', '.', 'ACCESSRESTRICT', ACCESS_RESTRICT),
  extEnumeration('FGS12-018', 'mets:metsHdr', 'OAISSTATUS', OAIS_STATUS),
  extEnumeration('FGS12-019', 'mets:metsHdr', 'AGREEMENTFORM', AGREEMENT_FORM),
  extEnumeration('FGS12-020', '.', 'APPRAISAL', APPRAISAL),
  rule('FGS12-021', 'MUST', 'every metsHdr/agent has @ROLE, @TYPE, @OTHERROLE and @OTHERTYPE from the FGS lists (CSPackageMETS.xsd agent enumerations)', ({ mets }, r) => {
    const agents = all(mets.root, 'mets:metsHdr/mets:agent');
    if (agents.length === 0) return r.skip('no agents');
    const check = (e: Parameters<typeof attr>[0], name: string, values: readonly string[], required: boolean) => {
      const v = attr(e, name);
      if (v === undefined) { if (required) r.violation(`agent/@${name} is missing`, where(e)); return; }
      if (!values.includes(v)) r.violation(`agent/@${name} is "${v}", not one of ${values.join(', ')}`, where(e));
    };
    for (const a of agents) {
      check(a, 'ROLE', AGENT_ROLE, true);
      check(a, 'TYPE', AGENT_TYPE, false);
      check(a, 'OTHERROLE', AGENT_OTHERROLE, false);
      check(a, 'OTHERTYPE', AGENT_OTHERTYPE, false);
      if (all(a, 'mets:name').length === 0) r.violation('agent has no name', where(a));
    }
  }),
  rule('FGS12-022', 'SHOULD', 'metsHdr names the archive creator (ARCHIVIST/ORGANIZATION), the delivering organisation (CREATOR/ORGANIZATION) and the source system (ARCHIVIST, OTHERTYPE SOFTWARE) [FGS-NOTES §1.4, ESSArch SE_SIP_v12]', ({ mets }, r) => {
    const agents = all(mets.root, 'mets:metsHdr/mets:agent');
    const has = (role: string, pick: (e: (typeof agents)[number]) => boolean) => agents.some((a) => attr(a, 'ROLE') === role && pick(a));
    if (!has('ARCHIVIST', (a) => attr(a, 'TYPE') === 'ORGANIZATION')) r.violation('no ARCHIVIST/ORGANIZATION agent (arkivbildare)', where(mets.root));
    if (!has('CREATOR', (a) => attr(a, 'TYPE') === 'ORGANIZATION')) r.violation('no CREATOR/ORGANIZATION agent (levererande organisation)', where(mets.root));
    if (!has('ARCHIVIST', (a) => attr(a, 'OTHERTYPE') === 'SOFTWARE')) r.violation('no ARCHIVIST agent with OTHERTYPE SOFTWARE (källsystem)', where(mets.root));
  }),
  rule('FGS12-023', 'MUST', 'every altRecordID has @TYPE from the FGS list (CSPackageMETS.xsd altRecordID TYPE enumeration)', ({ mets }, r) => {
    const ids = all(mets.root, 'mets:metsHdr/mets:altRecordID');
    if (ids.length === 0) return r.skip('no altRecordID');
    for (const a of ids) {
      const t = attr(a, 'TYPE');
      if (t === undefined || !ALT_RECORD_TYPE.includes(t)) r.violation(`altRecordID/@TYPE is ${t === undefined ? 'missing' : `"${t}"`}`, where(a));
    }
  }),
  rule('FGS12-016', 'MUST', 'there is at least one structMap (CSPackageMETS.xsd: structMap minOccurs=1)', ({ mets }, r) => {
    if (all(mets.root, 'mets:structMap').length === 0) r.violation('there is no structMap', where(mets.root));
  }),
];
LEVELS['FGS12-013'] = 'MUST';
LEVELS['FGS12-014'] = 'MUST';

export const FGS12_REFERENCES: ReferenceKind[] = [
  { xpath: FILE_LOCATORS, attrsOn: 'parent', ids: { href: 'FGS12-012', size: 'FGS12-013', checksum: 'FGS12-014' } },
  { xpath: 'mets:dmdSec/mets:mdRef | mets:amdSec/*/mets:mdRef', attrsOn: 'self', ids: { href: 'BEVARA-005', size: 'BEVARA-005', checksum: 'BEVARA-005' } },
];

export function fgs12Level(id: string): Level | undefined {
  return LEVELS[id];
}

export async function checkFgs12Mets(ctx: { pkg: PackageView; mets: MetsContext['mets'] }): Promise<Result[]> {
  const results = await runRules(FGS12_RULES, ctx, ctx.mets.file, fgs12Level);
  // FGS12-013/014 (size, checksum) are judged by fixity; list them as checked even when nothing is found.
  for (const id of ['FGS12-013', 'FGS12-014']) {
    results.push({ id, level: 'MUST', status: 'passed', message: id === 'FGS12-013' ? 'file sizes match SIZE' : 'file checksums match CHECKSUM', location: { file: ctx.mets.file } });
  }
  return results;
}

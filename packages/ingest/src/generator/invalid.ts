import { bytesContent } from './content.ts';
import { cloneSpec } from './generate.ts';
import { FGS_ERMS_PATH } from './fgs12.ts';
import { reseal } from './seal.ts';
import { childrenNamed, el, removeChild, select, selectOne, walk, type XmlElement } from './xml.ts';
import type { PackageSpec, Profile } from './types.ts';

/**
 * Invalid variants of a generated package, one per rule: `id` is the requirement the validator must
 * raise (CSIP…, SIP…, CSIPSTR…, ERMS…, BEVARA-…, and Bevara's numbered FGS12-…/FGSE-… for FGS 1.2, as in
 * docs/rules.md), `name` is the fixture name (`CSIP17_no_dmdsec` style). `mutate` returns a
 * changed copy and leaves its argument alone.
 */
export interface InvalidVariant {
  id: string;
  name: string;
  description: string;
  mutate(spec: PackageSpec): PackageSpec;
}

type Edit = (spec: PackageSpec) => void;

function variant(id: string, slug: string, description: string, edit: Edit): InvalidVariant {
  return {
    id,
    name: `${id}_${slug}`,
    description,
    mutate(spec) {
      const copy = cloneSpec(spec);
      edit(copy);
      return copy;
    },
  };
}

function xmlOf(spec: PackageSpec, path: string): XmlElement {
  const f = spec.files.find((x) => x.path === path);
  if (!f || f.content.kind !== 'xml') throw new Error(`generator: ${path} is not an XML file of this spec`);
  return f.content.root;
}

function parentOf(root: XmlElement, node: XmlElement): XmlElement {
  for (const { node: n, parent } of walk(root)) if (n === node && parent) return parent;
  throw new Error('generator: node has no parent');
}

function removeFile(spec: PackageSpec, path: string): void {
  spec.files = spec.files.filter((f) => f.path !== path);
}

/** Edits of the package METS (root), addressed by path and an optional filter. */
const onMets = (metsPath: string) => ({
  drop: (path: string, where?: (e: XmlElement) => boolean): Edit => (s) => {
    const root = xmlOf(s, metsPath);
    const node = selectOne(root, path, where);
    removeChild(parentOf(root, node), node);
  },
  dropAttr: (path: string, attr: string, where?: (e: XmlElement) => boolean): Edit => (s) => {
    delete selectOne(xmlOf(s, metsPath), path, where).attrs[attr];
  },
  setAttr: (path: string, attr: string, value: string, where?: (e: XmlElement) => boolean): Edit => (s) => {
    selectOne(xmlOf(s, metsPath), path, where).attrs[attr] = value;
  },
});

const byAttr = (attr: string, value: string) => (e: XmlElement) => e.attrs[attr] === value;
const agentOf = (role: string, type: string) => (e: XmlElement) => e.attrs['ROLE'] === role && e.attrs['TYPE'] === type;
const submitter = (e: XmlElement) => e.attrs['OTHERROLE'] === 'SUBMITTER';
const software = (e: XmlElement) => e.attrs['OTHERTYPE'] === 'SOFTWARE';
const docFile = (e: XmlElement) => e.attrs['ID'] === 'file-doc-1';

/** Adds a division with one fptr to the main division of the package METS's CSIP structMap. */
const addMainDiv = (attrs: Record<string, string>, fileId: string): Edit => (s) => {
  selectOne(xmlOf(s, 'METS.xml'), 'mets/structMap/div').children.push(el('div', attrs, [el('fptr', { FILEID: fileId })]));
};

function earkVariants(): InvalidVariant[] {
  const m = onMets('METS.xml');
  const hdr = 'mets/metsHdr';
  const dmd = 'mets/dmdSec/mdRef';
  const dp = 'mets/amdSec/digiprovMD/mdRef';
  const grp = 'mets/fileSec/fileGrp';
  const file = `${grp}/file`;
  const div = 'mets/structMap/div/div';
  const noteOf = (pick: (e: XmlElement) => boolean): Edit => (s) => {
    const agent = selectOne(xmlOf(s, 'METS.xml'), `${hdr}/agent`, pick);
    const note = childrenNamed(agent, 'note')[0];
    if (note) delete note.attrs['csip:NOTETYPE'];
  };
  const dropGroup = (use: string, divLabel: string, prefix: string): Edit => (s) => {
    m.drop(grp, byAttr('USE', use))(s);
    m.drop(div, byAttr('LABEL', divLabel))(s);
    s.files = s.files.filter((f) => !f.path.startsWith(prefix));
  };
  return [
    variant('CSIPSTR4', 'no_mets', 'the root folder has no METS.xml', (s) => removeFile(s, 'METS.xml')),
    variant('CSIP1', 'no_objid', 'mets/@OBJID is missing', m.dropAttr('mets', 'OBJID')),
    variant('CSIP2', 'no_type', 'mets/@TYPE is missing', m.dropAttr('mets', 'TYPE')),
    variant('CSIP6', 'no_profile', 'mets/@PROFILE is missing', m.dropAttr('mets', 'PROFILE')),
    variant('SIP2', 'wrong_profile', 'mets/@PROFILE is not the E-ARK SIP profile URL', m.setAttr('mets', 'PROFILE', 'https://example.org/profile/not-e-ark.xml')),
    variant('CSIP117', 'no_metshdr', 'mets/metsHdr is missing', m.drop(hdr)),
    variant('CSIP7', 'no_createdate', 'metsHdr/@CREATEDATE is missing', m.dropAttr(hdr, 'CREATEDATE')),
    variant('CSIP9', 'no_oaispackagetype', 'metsHdr/@csip:OAISPACKAGETYPE is missing', m.dropAttr(hdr, 'csip:OAISPACKAGETYPE')),
    variant('SIP4', 'oaispackagetype_aip', 'metsHdr/@csip:OAISPACKAGETYPE is AIP, not SIP', m.setAttr(hdr, 'csip:OAISPACKAGETYPE', 'AIP')),
    variant('CSIP10', 'no_software_agent', 'the software agent that created the package is missing', m.drop(`${hdr}/agent`, software)),
    variant('CSIP13', 'software_agent_no_othertype', 'the software agent has no @OTHERTYPE', m.dropAttr(`${hdr}/agent`, 'OTHERTYPE', software)),
    variant('CSIP14', 'software_agent_no_name', 'the software agent has no name', (s) => {
      const agent = selectOne(xmlOf(s, 'METS.xml'), `${hdr}/agent`, software);
      removeChild(agent, childrenNamed(agent, 'name')[0]!);
    }),
    variant('CSIP15', 'software_agent_no_note', 'the software agent has no version note', (s) => {
      const agent = selectOne(xmlOf(s, 'METS.xml'), `${hdr}/agent`, software);
      removeChild(agent, childrenNamed(agent, 'note')[0]!);
    }),
    variant('CSIP16', 'software_note_no_notetype', 'the software agent note has no @csip:NOTETYPE', noteOf(software)),
    variant('SIP11', 'archival_creator_bad_type', 'the archival creator agent has TYPE OTHER', m.setAttr(`${hdr}/agent`, 'TYPE', 'OTHER', agentOf('ARCHIVIST', 'ORGANIZATION'))),
    variant('SIP14', 'archival_creator_note_no_notetype', 'the archival creator note is not typed IDENTIFICATIONCODE', noteOf(agentOf('ARCHIVIST', 'ORGANIZATION'))),
    variant('SIP17', 'submitter_bad_type', 'the submitting agent has TYPE OTHER', m.setAttr(`${hdr}/agent`, 'TYPE', 'OTHER', submitter)),
    variant('SIP20', 'submitter_note_no_notetype', 'the submitting agent note is not typed IDENTIFICATIONCODE', noteOf(submitter)),
    variant('SIP28', 'preservation_agent_individual', 'the preservation agent has TYPE INDIVIDUAL', m.setAttr(`${hdr}/agent`, 'TYPE', 'INDIVIDUAL', agentOf('PRESERVATION', 'ORGANIZATION'))),
    variant('SIP31', 'preservation_note_no_notetype', 'the preservation agent note is not typed IDENTIFICATIONCODE', noteOf(agentOf('PRESERVATION', 'ORGANIZATION'))),
    variant('CSIP18', 'dmdsec_no_id', 'dmdSec/@ID is missing (and the structMap no longer refers to it)', (s) => {
      m.dropAttr('mets/dmdSec', 'ID')(s);
      m.dropAttr(div, 'DMDID', byAttr('LABEL', 'Metadata'))(s);
    }),
    variant('CSIP19', 'dmdsec_no_created', 'dmdSec/@CREATED is missing', m.dropAttr('mets/dmdSec', 'CREATED')),
    ...(
      [
        ['CSIP23', 'xlink:type'], ['CSIP24', 'xlink:href'], ['CSIP25', 'MDTYPE'], ['CSIP26', 'MIMETYPE'],
        ['CSIP27', 'SIZE'], ['CSIP28', 'CREATED'], ['CSIP29', 'CHECKSUM'], ['CSIP30', 'CHECKSUMTYPE'],
      ] as const
    ).map(([id, attr]) => variant(id, `dmd_mdref_no_${slug(attr)}`, `dmdSec/mdRef/@${attr} is missing`, m.dropAttr(dmd, attr))),
    variant('CSIP22', 'dmd_mdref_loctype_other', 'dmdSec/mdRef/@LOCTYPE is not URL', (s) => {
      m.setAttr(dmd, 'LOCTYPE', 'OTHER')(s);
      m.setAttr(dmd, 'OTHERLOCTYPE', 'local')(s);
    }),
    variant('CSIP29', 'dmd_checksum_mismatch', 'dmdSec/mdRef/@CHECKSUM does not match erms.xml', m.setAttr(dmd, 'CHECKSUM', '0'.repeat(64))),
    variant('CSIP27', 'dmd_size_mismatch', 'dmdSec/mdRef/@SIZE does not match erms.xml', m.setAttr(dmd, 'SIZE', '1')),
    variant('CSIP33', 'digiprov_no_id', 'digiprovMD/@ID is missing (and the structMap no longer refers to it)', (s) => {
      m.dropAttr('mets/amdSec/digiprovMD', 'ID')(s);
      m.dropAttr(div, 'ADMID', byAttr('LABEL', 'Metadata'))(s);
    }),
    ...(
      [
        ['CSIP37', 'xlink:type'], ['CSIP38', 'xlink:href'], ['CSIP39', 'MDTYPE'], ['CSIP40', 'MIMETYPE'],
        ['CSIP41', 'SIZE'], ['CSIP42', 'CREATED'], ['CSIP43', 'CHECKSUM'], ['CSIP44', 'CHECKSUMTYPE'],
      ] as const
    ).map(([id, attr]) => variant(id, `digiprov_mdref_no_${slug(attr)}`, `digiprovMD/mdRef/@${attr} is missing`, m.dropAttr(dp, attr))),
    variant('CSIP43', 'premis_checksum_mismatch', 'digiprovMD/mdRef/@CHECKSUM does not match premis.xml', m.setAttr(dp, 'CHECKSUM', 'f'.repeat(64))),
    variant('CSIP59', 'filesec_no_id', 'fileSec/@ID is missing', m.dropAttr('mets/fileSec', 'ID')),
    variant('CSIP60', 'no_documentation_filegrp', 'no fileGrp with USE="Documentation" (documentation removed)', dropGroup('Documentation', 'Documentation', 'documentation/')),
    variant('CSIP113', 'no_schemas_filegrp', 'no fileGrp with USE="Schemas" (schemas removed)', dropGroup('Schemas', 'Schemas', 'schemas/')),
    variant('CSIP114', 'no_representations_filegrp', 'no fileGrp with USE starting "Representations" (representation removed)', dropGroup('Representations/rep1', 'Representations/rep1', 'representations/')),
    variant('CSIP64', 'filegrp_no_use', 'the Documentation fileGrp has no @USE', m.dropAttr(grp, 'USE', byAttr('USE', 'Documentation'))),
    variant('CSIP66', 'documentation_filegrp_empty', 'the Documentation fileGrp holds no file', (s) => {
      m.drop(file, docFile)(s);
      removeFile(s, 'documentation/leveransbeskrivning.pdf');
    }),
    ...(
      [['CSIP68', 'MIMETYPE'], ['CSIP69', 'SIZE'], ['CSIP70', 'CREATED'], ['CSIP71', 'CHECKSUM'], ['CSIP72', 'CHECKSUMTYPE']] as const
    ).map(([id, attr]) => variant(id, `file_no_${slug(attr)}`, `fileSec file/@${attr} is missing`, m.dropAttr(`${grp}/file`, attr, docFile))),
    variant('CSIP71', 'file_checksum_mismatch', 'the CHECKSUM of documentation/leveransbeskrivning.pdf is wrong', m.setAttr(file, 'CHECKSUM', 'a'.repeat(64), docFile)),
    variant('CSIP69', 'file_size_mismatch', 'the SIZE of documentation/leveransbeskrivning.pdf is wrong', m.setAttr(file, 'SIZE', '12', docFile)),
    variant('CSIP79', 'file_missing', 'a file referenced from the fileSec is not in the package', (s) => removeFile(s, 'documentation/leveransbeskrivning.pdf')),
    variant('CSIP76', 'file_no_flocat', 'a file has no FLocat', m.drop(`${file}/FLocat`, (e) => e.attrs['xlink:href'] === 'documentation/leveransbeskrivning.pdf')),
    variant('CSIP78', 'flocat_no_xlink_type', 'FLocat/@xlink:type is missing', m.dropAttr(`${file}/FLocat`, 'xlink:type', (e) => e.attrs['xlink:href'] === 'documentation/leveransbeskrivning.pdf')),
    variant('CSIP80', 'no_structmap', 'mets/structMap is missing', m.drop('mets/structMap')),
    variant('CSIP81', 'structmap_type_logical', 'structMap/@TYPE is LOGICAL', m.setAttr('mets/structMap', 'TYPE', 'LOGICAL')),
    variant('CSIP82', 'structmap_label_other', 'structMap/@LABEL is not CSIP', m.setAttr('mets/structMap', 'LABEL', 'Paketstruktur')),
    variant('CSIP83', 'structmap_no_id', 'structMap/@ID is missing', m.dropAttr('mets/structMap', 'ID')),
    variant('CSIP84', 'structmap_two_divisions', 'the CSIP structMap has two top divisions', (s) => {
      selectOne(xmlOf(s, 'METS.xml'), 'mets/structMap').children.push(el('div', { ID: 'div-extra', LABEL: 'Extra' }));
    }),
    variant('CSIP85', 'main_div_no_id', 'the main division has no @ID', m.dropAttr('mets/structMap/div', 'ID')),
    variant('CSIP88', 'no_metadata_div', 'the Metadata division is missing', m.drop(div, byAttr('LABEL', 'Metadata'))),
    variant('CSIP89', 'metadata_div_no_id', 'the Metadata division has no @ID', m.dropAttr(div, 'ID', byAttr('LABEL', 'Metadata'))),
    variant('CSIP94', 'documentation_div_no_id', 'the Documentation division has no @ID', m.dropAttr(div, 'ID', byAttr('LABEL', 'Documentation'))),
    variant('CSIP116', 'documentation_div_no_fptr', 'the Documentation division does not point to its fileGrp', m.drop(`${div}/fptr`, byAttr('FILEID', 'fgrp-documentation'))),
    variant('CSIP98', 'schemas_div_no_id', 'the Schemas division has no @ID', m.dropAttr(div, 'ID', byAttr('LABEL', 'Schemas'))),
    variant('CSIP118', 'schemas_div_no_fptr', 'the Schemas division does not point to its fileGrp', m.drop(`${div}/fptr`, byAttr('FILEID', 'fgrp-schemas'))),
    // The valid package lists its representation by an mptr only; these two add the optional "Representations"
    // content division (CSIP101) that a package may also carry, broken in one way each.
    variant('CSIP102', 'representations_div_no_id', 'a Representations division without @ID', addMainDiv({ LABEL: 'Representations' }, 'fgrp-rep1')),
    variant('CSIP119', 'representations_div_wrong_fptr', 'the Representations division points to the Documentation fileGrp', addMainDiv({ ID: 'div-representations', LABEL: 'Representations' }, 'fgrp-documentation')),
    variant('CSIP106', 'rep_div_no_id', 'the representation division has no @ID', m.dropAttr(div, 'ID', byAttr('LABEL', 'Representations/rep1'))),
    variant('CSIP107', 'rep_div_wrong_label', 'the representation division LABEL is not "Representations/rep1"', m.setAttr(div, 'LABEL', 'rep1', byAttr('LABEL', 'Representations/rep1'))),
    variant('CSIP108', 'mptr_no_title', 'the representation mptr has no @xlink:title', m.dropAttr(`${div}/mptr`, 'xlink:title')),
    variant('CSIP109', 'rep_div_no_mptr', 'the representation division has no mptr', m.drop(`${div}/mptr`)),
    variant('CSIP110', 'mptr_no_href', 'the representation mptr has no @xlink:href', m.dropAttr(`${div}/mptr`, 'xlink:href')),
    variant('CSIP111', 'mptr_no_xlink_type', 'the representation mptr has no @xlink:type', m.dropAttr(`${div}/mptr`, 'xlink:type')),
    variant('CSIP112', 'mptr_no_loctype', 'the representation mptr has no @LOCTYPE', m.dropAttr(`${div}/mptr`, 'LOCTYPE')),
    variant('BEVARA-004', 'unreferenced_file', 'a data file is in the package but in no METS', (s) => {
      s.files.push({ path: 'representations/rep1/data/oregistrerad-handling.txt', mediaType: 'text/plain', created: s.truth.createdAt, content: bytesContent('Handling utan referens i METS.\n') });
    }),
    variant('ERMS59', 'restriction_no_regulation', 'a secrecy restriction in erms.xml has no regulation (schema-invalid)', (s) => {
      const r = [...walk(xmlOf(s, 'metadata/descriptive/erms.xml'))].find((x) => x.node.name === 'restriction');
      if (!r) throw new Error('generator: ERMS59 needs a package with secrecy');
      removeChild(r.node, childrenNamed(r.node, 'regulation')[0]!);
      reseal(s);
    }),
  ];
}

function fgsVariants(): InvalidVariant[] {
  const m = onMets('sip.xml');
  const hdr = 'mets/metsHdr';
  const content = 'mets/fileSec/fileGrp/file';
  const firstData = (e: XmlElement) => (childrenNamed(e, 'FLocat')[0]?.attrs['xlink:href'] ?? '').includes('/Content/') && !(childrenNamed(e, 'FLocat')[0]?.attrs['xlink:href'] ?? '').endsWith('.xml');
  const restriktion = (s: PackageSpec) => [...walk(xmlOf(s, FGS_ERMS_PATH))].find((x) => x.node.name === 'Restriktion')?.node;
  return [
    variant('FGS12-001', 'no_sip_xml', 'the package has no sip.xml', (s) => removeFile(s, 'sip.xml')),
    variant('FGS12-003', 'no_objid', 'mets/@OBJID is missing', m.dropAttr('mets', 'OBJID')),
    variant('FGS12-002', 'no_profile', 'mets/@PROFILE is missing', m.dropAttr('mets', 'PROFILE')),
    variant('FGS12-002', 'wrong_profile', 'mets/@PROFILE is not CommonSpecificationSwedenPackageProfile', m.setAttr('mets', 'PROFILE', 'https://example.org/other-profile.xml')),
    variant('FGS12-004', 'type_sip', 'mets/@TYPE is "SIP", not an information type', m.setAttr('mets', 'TYPE', 'SIP')),
    variant('FGS12-017', 'accessrestrict_hemlig', 'mets/@ext:ACCESSRESTRICT is not in the vocabulary', m.setAttr('mets', 'ext:ACCESSRESTRICT', 'Hemlig')),
    variant('FGS12-005', 'no_metshdr', 'mets/metsHdr is missing', m.drop(hdr)),
    variant('FGS12-005', 'no_createdate', 'metsHdr/@CREATEDATE is missing', m.dropAttr(hdr, 'CREATEDATE')),
    variant('FGS12-018', 'oaisstatus_xip', 'metsHdr/@ext:OAISSTATUS is not SIP/AIP/DIP/AIU/AIC', m.setAttr(hdr, 'ext:OAISSTATUS', 'XIP')),
    variant('FGS12-007', 'two_agents', 'metsHdr has fewer than three agents', (s) => {
      const h = selectOne(xmlOf(s, 'sip.xml'), hdr);
      const agents = childrenNamed(h, 'agent');
      for (const a of agents.slice(2)) removeChild(h, a);
    }),
    variant('FGS12-008', 'no_altrecordid', 'metsHdr has no altRecordID', m.drop(`${hdr}/altRecordID`)),
    variant('FGS12-010', 'file_no_mimetype', 'a file has no @MIMETYPE', m.dropAttr(content, 'MIMETYPE', firstData)),
    variant('FGS12-010', 'file_no_size', 'a file has no @SIZE', m.dropAttr(content, 'SIZE', firstData)),
    variant('FGS12-010', 'file_no_created', 'a file has no @CREATED', m.dropAttr(content, 'CREATED', firstData)),
    variant('FGS12-011', 'checksumtype_sha256', 'a file has CHECKSUMTYPE "SHA256" (not in the vocabulary)', m.setAttr(content, 'CHECKSUMTYPE', 'SHA256', firstData)),
    variant('FGS12-014', 'checksum_mismatch', 'a file CHECKSUM does not match its content', m.setAttr(content, 'CHECKSUM', 'b'.repeat(64), firstData)),
    variant('FGS12-013', 'size_mismatch', 'a file SIZE does not match its content', m.setAttr(content, 'SIZE', '3', firstData)),
    variant('FGS12-012', 'file_missing', 'a file referenced from sip.xml is not in the package', (s) => {
      const f = select(xmlOf(s, 'sip.xml'), content).find(firstData);
      const href = f ? childrenNamed(f, 'FLocat')[0]?.attrs['xlink:href'] : undefined;
      if (href) removeFile(s, href.slice('file:///'.length));
    }),
    variant('BEVARA-004', 'unreferenced_file', 'a file under Content/ is referenced from no sip.xml file', (s) => {
      s.files.push({ path: 'Content/oregistrerad-handling.txt', mediaType: 'text/plain', created: s.truth.createdAt, content: bytesContent('Handling utan referens i sip.xml.\n') });
    }),
    variant('FGS12-016', 'no_structmap', 'mets/structMap is missing', m.drop('mets/structMap')),
    variant('FGSE-001', 'restriktion_no_typ', 'a Restriktion in the ERMS file has no @Typ (schema-invalid)', (s) => {
      const r = restriktion(s);
      if (!r) throw new Error('generator: FGSE-001 needs a package with secrecy');
      delete r.attrs['Typ'];
      reseal(s);
    }),
    variant('FGSE-002', 'bilaga_missing', 'a Bilaga links to a file that is not in the package', (s) => {
      const b = [...walk(xmlOf(s, FGS_ERMS_PATH))].find((x) => x.node.name === 'Bilaga')?.node;
      if (b) b.attrs['Lank'] = 'file:///Content/finns-inte.pdf';
      reseal(s);
    }),
    variant('FGSE-003', 'bilaga_checksum_mismatch', 'a Bilaga states a wrong Checksumma', (s) => {
      const b = [...walk(xmlOf(s, FGS_ERMS_PATH))].find((x) => x.node.name === 'Bilaga')?.node;
      reseal(s);
      if (b) b.attrs['Checksumma'] = 'c'.repeat(64);
      // sip.xml describes arendehantering.xml: seal it again so only the Bilaga is wrong.
      reseal({ ...s, sealOrder: ['sip.xml'] });
    }),
  ];
}

function slug(attr: string): string {
  return attr.replace(/^xlink:/, 'xlink_').toLowerCase();
}

export function invalidVariants(profile: Profile): InvalidVariant[] {
  return profile === 'fgs12' ? fgsVariants() : earkVariants();
}

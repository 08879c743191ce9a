import { StorageError } from '../errors.ts';
import { AIP_PROFILE, BEVARA_AGENT, PREMIS_DIR } from './model.ts';
import { lazyXmlParser } from './xml-parser.ts';
import { valueAsRead, XmlWriter, type XmlAttributes } from './xml-writer.ts';

/** What the AIP METS says of one file. */
export interface MetsFile {
  path: string;
  sha256: string;
  size: number;
  mimeType: string;
  created: string;
}

export interface AipMetsInput {
  id: string;
  label: string;
  contentCategory: string;
  created: string;
  modified: string;
  revised: boolean;
  files: MetsFile[];
}

const NS: XmlAttributes = [
  ['xmlns:mets', 'http://www.loc.gov/METS/'],
  ['xmlns:csip', 'https://DILCIS.eu/XML/METS/CSIPExtensionMETS'],
  ['xmlns:xlink', 'http://www.w3.org/1999/xlink'],
  ['xmlns:xsi', 'http://www.w3.org/2001/XMLSchema-instance'],
];

/**
 * The AIP's root METS (E-ARK AIP 2.2 on CSIP): descriptive metadata files in dmdSec, PREMIS in
 * amdSec/digiprovMD (AIPM5–7), everything else in fileSec, grouped by its first two path segments.
 */
export function buildAipMets(m: AipMetsInput): Buffer {
  const files = [...m.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const ids = new Map(files.map((f, i) => [f.path, `file-${i + 1}`]));
  const descriptive: MetsFile[] = [];
  const preservation: MetsFile[] = [];
  const groups = new Map<string, MetsFile[]>();
  for (const f of files) {
    if (f.path.startsWith('metadata/descriptive/')) descriptive.push(f);
    else if (f.path.startsWith(`${PREMIS_DIR}/`)) preservation.push(f);
    else if (f.path !== 'METS.xml') {
      const use = groupOf(f.path);
      (groups.get(use) ?? groups.set(use, []).get(use)!).push(f);
    }
  }
  const groupIds = new Map([...groups.keys()].map((g, i) => [g, `grp-${i + 1}`]));
  const mdRef = (f: MetsFile, premis: boolean): XmlAttributes => [
    ['LOCTYPE', 'URL'],
    ['xlink:type', 'simple'],
    ['xlink:href', f.path],
    ['MDTYPE', premis ? 'PREMIS' : 'OTHER'],
    ...(premis ? [] : [['OTHERMDTYPE', 'UNSPECIFIED'] as const]),
    ['MIMETYPE', f.mimeType],
    ['SIZE', f.size],
    ['CREATED', f.created],
    ['CHECKSUM', f.sha256],
    ['CHECKSUMTYPE', 'SHA-256'],
  ];

  const xml = new XmlWriter().open('mets:mets', [
    ...NS,
    ['xsi:schemaLocation', 'http://www.loc.gov/METS/ http://www.loc.gov/standards/mets/mets.xsd https://DILCIS.eu/XML/METS/CSIPExtensionMETS https://earkcsip.dilcis.eu/schema/DILCISExtensionMETS.xsd'],
    ['OBJID', m.id],
    ['LABEL', m.label],
    ['TYPE', m.contentCategory],
    ['PROFILE', AIP_PROFILE],
  ]);
  xml.open('mets:metsHdr', [['CREATEDATE', m.created], ['LASTMODDATE', m.modified], ['RECORDSTATUS', m.revised ? 'REVISED' : 'NEW'], ['csip:OAISPACKAGETYPE', 'AIP']]);
  xml.open('mets:agent', [['ROLE', 'CREATOR'], ['TYPE', 'OTHER'], ['OTHERTYPE', 'SOFTWARE']]);
  xml.text('mets:name', BEVARA_AGENT.name).text('mets:note', BEVARA_AGENT.version ?? '', [['csip:NOTETYPE', 'SOFTWARE VERSION']]);
  xml.close('mets:agent').close('mets:metsHdr');
  for (const f of descriptive) {
    xml.open('mets:dmdSec', [['ID', `dmd-${ids.get(f.path)}`], ['CREATED', f.created], ['STATUS', 'CURRENT']]).empty('mets:mdRef', mdRef(f, false)).close('mets:dmdSec');
  }
  if (preservation.length) {
    xml.open('mets:amdSec');
    for (const f of preservation) {
      xml.open('mets:digiprovMD', [['ID', `digiprov-${ids.get(f.path)}`], ['CREATED', f.created], ['STATUS', 'CURRENT']]).empty('mets:mdRef', mdRef(f, true)).close('mets:digiprovMD');
    }
    xml.close('mets:amdSec');
  }
  if (groups.size) {
    xml.open('mets:fileSec', [['ID', 'filesec-1']]);
    for (const [use, fs] of groups) {
      xml.open('mets:fileGrp', [['ID', groupIds.get(use)!], ['USE', use]]);
      for (const f of fs) {
        xml.open('mets:file', [['ID', ids.get(f.path)!], ['MIMETYPE', f.mimeType], ['SIZE', f.size], ['CREATED', f.created], ['CHECKSUM', f.sha256], ['CHECKSUMTYPE', 'SHA-256']]);
        xml.empty('mets:FLocat', [['LOCTYPE', 'URL'], ['xlink:type', 'simple'], ['xlink:href', f.path]]).close('mets:file');
      }
      xml.close('mets:fileGrp');
    }
    xml.close('mets:fileSec');
  }
  xml.open('mets:structMap', [['ID', 'structmap-1'], ['TYPE', 'PHYSICAL'], ['LABEL', 'CSIP']]).open('mets:div', [['ID', 'div-root'], ['LABEL', m.id]]);
  xml.empty('mets:div', [
    ['ID', 'div-metadata'],
    ['LABEL', 'Metadata'],
    ...(descriptive.length ? [['DMDID', descriptive.map((f) => `dmd-${ids.get(f.path)}`).join(' ')] as const] : []),
    ...(preservation.length ? [['ADMID', preservation.map((f) => `digiprov-${ids.get(f.path)}`).join(' ')] as const] : []),
  ]);
  for (const [use, fs] of groups) {
    xml.open('mets:div', [['ID', `div-${groupIds.get(use)}`], ['LABEL', use]]);
    for (const f of fs) xml.empty('mets:fptr', [['FILEID', ids.get(f.path)!]]);
    xml.close('mets:div');
  }
  return xml.close('mets:div').close('mets:structMap').close('mets:mets').toBuffer();
}

function groupOf(path: string): string {
  const parts = path.split('/');
  if (parts.length <= 1) return 'Root';
  if (parts.length === 2) return capitalise(parts[0]!);
  return `${capitalise(parts[0]!)}/${parts[1]}`;
}

const capitalise = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

export interface ParsedAipMets {
  id: string;
  label: string;
  contentCategory: string;
  created: string;
  files: Map<string, { mimeType: string; created: string; sha256: string; size: number }>;
}

const parser = lazyXmlParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseAttributeValue: false,
  parseTagValue: false,
  // values are read as written: a path ending in a space is that path (white space between elements is ignored)
  trimValues: false,
  // the five escapes buildAipMets writes are read back as the characters (a path with & is the path); a DOCTYPE,
  // the only way to declare other entities, is refused before parsing
  processEntities: true,
  isArray: (name) => ['mets:dmdSec', 'mets:digiprovMD', 'mets:fileGrp', 'mets:file'].includes(name),
});

/**
 * What parseAipMets reads from buildAipMets(m), without writing or parsing it: the catalog indexes a version it
 * has just written from this (xml-writer.ts valueAsRead). A test keeps the two in step.
 */
export function metsAsRead(m: AipMetsInput): ParsedAipMets {
  const files: ParsedAipMets['files'] = new Map();
  for (const f of m.files) {
    if (f.path === 'METS.xml') continue;
    files.set(valueAsRead(f.path), { mimeType: valueAsRead(f.mimeType), created: valueAsRead(f.created), sha256: valueAsRead(f.sha256), size: f.size });
  }
  return { id: valueAsRead(m.id), label: valueAsRead(m.label), contentCategory: valueAsRead(m.contentCategory), created: valueAsRead(m.created), files };
}

/** Reads back an AIP METS Bevara wrote (never a submitter's METS: that goes through ingest's safe parser). */
export function parseAipMets(xml: Buffer, where: string): ParsedAipMets {
  if (xml.includes('<!DOCTYPE')) throw new StorageError('S-011', `${where}: DOCTYPE in AIP METS`);
  let root: any;
  try {
    root = parser().parse(xml.toString('utf8'))['mets:mets'];
  } catch (e) {
    throw new StorageError('S-011', `${where}: AIP METS is not well-formed`, {}, { cause: e });
  }
  if (!root) throw new StorageError('S-011', `${where}: not a METS document`);
  const files = new Map<string, { mimeType: string; created: string; sha256: string; size: number }>();
  const add = (ref: any): void => {
    const href = ref?.['mets:FLocat']?.['@xlink:href'] ?? ref?.['@xlink:href'];
    if (typeof href === 'string') {
      files.set(href, { mimeType: ref['@MIMETYPE'], created: ref['@CREATED'], sha256: ref['@CHECKSUM'], size: Number(ref['@SIZE']) });
    }
  };
  for (const d of root['mets:dmdSec'] ?? []) add(d['mets:mdRef']);
  for (const d of root['mets:amdSec']?.['mets:digiprovMD'] ?? []) add(d['mets:mdRef']);
  for (const g of root['mets:fileSec']?.['mets:fileGrp'] ?? []) for (const f of g['mets:file'] ?? []) add(f);
  return {
    id: root['@OBJID'],
    label: root['@LABEL'] ?? '',
    contentCategory: root['@TYPE'] ?? 'Mixed',
    created: root['mets:metsHdr']?.['@CREATEDATE'] ?? '',
    files,
  };
}

import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { StorageError } from '../errors.ts';
import { AIP_PROFILE, BEVARA_AGENT, PREMIS_DIR } from './model.ts';

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

const NS = {
  'xmlns:mets': 'http://www.loc.gov/METS/',
  'xmlns:csip': 'https://DILCIS.eu/XML/METS/CSIPExtensionMETS',
  'xmlns:xlink': 'http://www.w3.org/1999/xlink',
  'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance',
};

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@', format: true, suppressEmptyNode: true });

/**
 * The AIP's root METS (E-ARK AIP 2.2 on CSIP): descriptive metadata files in dmdSec, PREMIS in
 * amdSec/digiprovMD (AIPM5–7), everything else in fileSec, grouped by its first two path segments.
 */
export function buildAipMets(m: AipMetsInput): Buffer {
  const files = [...m.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const descriptive = files.filter((f) => f.path.startsWith('metadata/descriptive/'));
  const preservation = files.filter((f) => f.path.startsWith(`${PREMIS_DIR}/`));
  const content = files.filter((f) => !descriptive.includes(f) && !preservation.includes(f) && f.path !== 'METS.xml');
  const groups = new Map<string, MetsFile[]>();
  for (const f of content) {
    const use = groupOf(f.path);
    (groups.get(use) ?? groups.set(use, []).get(use)!).push(f);
  }
  const ids = new Map(files.map((f, i) => [f.path, `file-${i + 1}`]));
  const mdRef = (f: MetsFile, mdtype: string): object => ({
    '@LOCTYPE': 'URL',
    '@xlink:type': 'simple',
    '@xlink:href': f.path,
    '@MDTYPE': mdtype === 'PREMIS' ? 'PREMIS' : 'OTHER',
    ...(mdtype === 'PREMIS' ? {} : { '@OTHERMDTYPE': 'UNSPECIFIED' }),
    '@MIMETYPE': f.mimeType,
    '@SIZE': f.size,
    '@CREATED': f.created,
    '@CHECKSUM': f.sha256,
    '@CHECKSUMTYPE': 'SHA-256',
  });
  const groupIds = new Map([...groups.keys()].map((g, i) => [g, `grp-${i + 1}`]));
  const doc = {
    '?xml': { '@version': '1.0', '@encoding': 'UTF-8' },
    'mets:mets': {
      ...Object.fromEntries(Object.entries(NS).map(([k, v]) => [`@${k}`, v])),
      '@xsi:schemaLocation':
        'http://www.loc.gov/METS/ http://www.loc.gov/standards/mets/mets.xsd https://DILCIS.eu/XML/METS/CSIPExtensionMETS https://earkcsip.dilcis.eu/schema/DILCISExtensionMETS.xsd',
      '@OBJID': m.id,
      '@LABEL': m.label,
      '@TYPE': m.contentCategory,
      '@PROFILE': AIP_PROFILE,
      'mets:metsHdr': {
        '@CREATEDATE': m.created,
        '@LASTMODDATE': m.modified,
        '@RECORDSTATUS': m.revised ? 'REVISED' : 'NEW',
        '@csip:OAISPACKAGETYPE': 'AIP',
        'mets:agent': {
          '@ROLE': 'CREATOR',
          '@TYPE': 'OTHER',
          '@OTHERTYPE': 'SOFTWARE',
          'mets:name': BEVARA_AGENT.name,
          'mets:note': { '@csip:NOTETYPE': 'SOFTWARE VERSION', '#text': BEVARA_AGENT.version },
        },
      },
      'mets:dmdSec': descriptive.map((f) => ({
        '@ID': `dmd-${ids.get(f.path)}`,
        '@CREATED': f.created,
        '@STATUS': 'CURRENT',
        'mets:mdRef': mdRef(f, 'OTHER'),
      })),
      ...(preservation.length
        ? {
            'mets:amdSec': {
              'mets:digiprovMD': preservation.map((f) => ({
                '@ID': `digiprov-${ids.get(f.path)}`,
                '@CREATED': f.created,
                '@STATUS': 'CURRENT',
                'mets:mdRef': mdRef(f, 'PREMIS'),
              })),
            },
          }
        : {}),
      ...(groups.size
        ? {
            'mets:fileSec': {
              '@ID': 'filesec-1',
              'mets:fileGrp': [...groups].map(([use, fs]) => ({
                '@ID': groupIds.get(use),
                '@USE': use,
                'mets:file': fs.map((f) => ({
                  '@ID': ids.get(f.path),
                  '@MIMETYPE': f.mimeType,
                  '@SIZE': f.size,
                  '@CREATED': f.created,
                  '@CHECKSUM': f.sha256,
                  '@CHECKSUMTYPE': 'SHA-256',
                  'mets:FLocat': { '@LOCTYPE': 'URL', '@xlink:type': 'simple', '@xlink:href': f.path },
                })),
              })),
            },
          }
        : {}),
      'mets:structMap': {
        '@ID': 'structmap-1',
        '@TYPE': 'PHYSICAL',
        '@LABEL': 'CSIP',
        'mets:div': {
          '@ID': 'div-root',
          '@LABEL': m.id,
          'mets:div': [
            {
              '@ID': 'div-metadata',
              '@LABEL': 'Metadata',
              ...(descriptive.length ? { '@DMDID': descriptive.map((f) => `dmd-${ids.get(f.path)}`).join(' ') } : {}),
              ...(preservation.length ? { '@ADMID': preservation.map((f) => `digiprov-${ids.get(f.path)}`).join(' ') } : {}),
            },
            ...[...groups].map(([use, fs]) => ({
              '@ID': `div-${groupIds.get(use)}`,
              '@LABEL': use,
              'mets:fptr': fs.map((f) => ({ '@FILEID': ids.get(f.path) })),
            })),
          ],
        },
      },
    },
  };
  return Buffer.from(builder.build(doc), 'utf8');
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

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseAttributeValue: false,
  parseTagValue: false,
  processEntities: false,
  isArray: (name) => ['mets:dmdSec', 'mets:digiprovMD', 'mets:fileGrp', 'mets:file'].includes(name),
});

/** Reads back an AIP METS Bevara wrote (never a submitter's METS: that goes through ingest's safe parser). */
export function parseAipMets(xml: Buffer, where: string): ParsedAipMets {
  if (xml.includes('<!DOCTYPE')) throw new StorageError('S-011', `${where}: DOCTYPE in AIP METS`);
  let root: any;
  try {
    root = parser.parse(xml.toString('utf8'))['mets:mets'];
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

import { posix } from 'node:path';
import { bytesContent, contentInfo, xmlContent } from './content.ts';
import type { CaseModel } from './model.ts';
import { makePdfA } from './pdf.ts';
import { schemaFiles } from './schemas.ts';
import { el, textEl, type XmlElement } from './xml.ts';
import { REGISTRATION_TEXT } from './cases.ts';
import type { CaseTruth, Profile, RecordTruth, SecrecyTruth, SpecFile } from './types.ts';
import type { PackageContext } from './fgs12.ts';

/**
 * E-ARK CSIP/SIP packages (FGS 2.0 for 'eark-csip-2.1'): METS.xml, metadata/descriptive/erms.xml
 * (CITS ERMS 2.1.2), metadata/preservation/premis.xml, documentation/, schemas/ and one
 * representation with its own METS.xml and data/.
 */
export const REP = 'representations/rep1';
export const DATA_PREFIX = `${REP}/data`;
const NS = {
  xmlns: 'http://www.loc.gov/METS/',
  'xmlns:xlink': 'http://www.w3.org/1999/xlink',
  'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance',
  'xmlns:csip': 'https://DILCIS.eu/XML/METS/CSIPExtensionMETS',
  'xmlns:sip': 'https://DILCIS.eu/XML/METS/SIPExtensionMETS',
};

export function earkProfileUrl(profile: Profile): string {
  return profile === 'eark-csip-2.2.0' ? 'https://earksip.dilcis.eu/profile/E-ARK-SIP-v2-2-0.xml' : 'https://earksip.dilcis.eu/profile/E-ARK-SIP.xml';
}

function contentInformationType(profile: Profile): string {
  return profile === 'eark-csip-2.0.4' ? 'ERMS' : 'citserms_v2_1';
}

function schemaLocation(prefix: string): string {
  return [
    `http://www.loc.gov/METS/ ${prefix}schemas/mets.xsd`,
    `http://www.w3.org/1999/xlink ${prefix}schemas/xlink.xsd`,
    `https://DILCIS.eu/XML/METS/CSIPExtensionMETS ${prefix}schemas/CSIPExtensionMETS.xsd`,
    `https://DILCIS.eu/XML/METS/SIPExtensionMETS ${prefix}schemas/SIPExtensionMETS.xsd`,
  ].join(' ');
}

/** A METS `file` for `f`, its href relative to the METS file at `metsPath`. */
export function metsFile(id: string, f: SpecFile, metsPath: string, href?: string): XmlElement {
  const info = contentInfo(f.content);
  return el('file', { ID: id, MIMETYPE: f.mediaType, SIZE: info.size, CREATED: f.created, CHECKSUM: info.sha256, CHECKSUMTYPE: 'SHA-256' }, [
    el('FLocat', { LOCTYPE: 'URL', 'xlink:type': 'simple', 'xlink:href': href ?? posix.relative(posix.dirname(metsPath), f.path) }),
  ]);
}

function mdRef(f: SpecFile, mdType: string, extra: Record<string, string>): XmlElement {
  const info = contentInfo(f.content);
  return el('mdRef', {
    LOCTYPE: 'URL',
    'xlink:type': 'simple',
    'xlink:href': f.path,
    MDTYPE: mdType,
    ...extra,
    MIMETYPE: f.mediaType,
    SIZE: info.size,
    CREATED: f.created,
    CHECKSUM: info.sha256,
    CHECKSUMTYPE: 'SHA-256',
  });
}

function softwareAgent(): XmlElement {
  return el('agent', { ROLE: 'CREATOR', TYPE: 'OTHER', OTHERTYPE: 'SOFTWARE' }, [
    textEl('name', 'Bevara testpaketgenerator'),
    textEl('note', '0.1.0', { 'csip:NOTETYPE': 'SOFTWARE VERSION' }),
  ]);
}

export function buildEark(ctx: PackageContext, model: CaseModel): { files: SpecFile[]; sealOrder: string[] } {
  const { options, truth } = ctx;
  const created = truth.createdAt;
  const files: SpecFile[] = [];
  const erms: SpecFile = { path: 'metadata/descriptive/erms.xml', mediaType: 'text/xml', created, content: xmlContent(ermsDocument(ctx, model.cases)) };
  const premis: SpecFile = { path: 'metadata/preservation/premis.xml', mediaType: 'text/xml', created, content: xmlContent(premisDocument(ctx)) };
  const doc: SpecFile = {
    path: 'documentation/leveransbeskrivning.pdf',
    mediaType: 'application/pdf',
    created,
    content: bytesContent(
      makePdfA({
        title: `Leveransbeskrivning ${truth.objid}`,
        author: truth.organisation,
        created,
        lines: [
          `Leverans från ${truth.organisation} (${truth.organisationNumber}).`,
          `Paketet innehåller ${truth.cases.length} ärenden med ${truth.cases.reduce((n, c) => n + c.records.length, 0)} handlingar.`,
          'Metadata: CITS ERMS 2.1 i metadata/descriptive/erms.xml. Sekretessmarkeringar anges per ärende eller handling med lagrum.',
        ],
      }),
    ),
  };
  const schemas: SpecFile[] = schemaFiles('eark').map((s) => ({ path: `schemas/${s.name}`, mediaType: 'application/xml', created, content: s.content }));
  const repMetsPath = `${REP}/METS.xml`;
  const repMets: SpecFile = { path: repMetsPath, mediaType: 'application/xml', created, content: xmlContent(representationMets(ctx, model.files, repMetsPath)) };
  const rootMets: SpecFile = { path: 'METS.xml', mediaType: 'application/xml', created, content: xmlContent(packageMets(ctx, erms, premis, doc, schemas, repMets)) };
  files.push(rootMets, erms, premis, doc, ...schemas, repMets, ...model.files);
  return { files, sealOrder: [erms.path, repMetsPath, 'METS.xml'] };
}

function packageMets(ctx: PackageContext, erms: SpecFile, premis: SpecFile, doc: SpecFile, schemas: SpecFile[], repMets: SpecFile): XmlElement {
  const { options, truth } = ctx;
  const idCode = `ORG:${truth.organisationNumber}`;
  const ident = (role: Record<string, string>, name: string, note?: string) =>
    el('agent', role, [textEl('name', name), note ? textEl('note', note, { 'csip:NOTETYPE': 'IDENTIFICATIONCODE' }) : undefined]);
  return el(
    'mets',
    {
      ...NS,
      OBJID: truth.objid,
      LABEL: truth.label,
      TYPE: 'Mixed',
      'csip:CONTENTINFORMATIONTYPE': contentInformationType(options.profile),
      PROFILE: earkProfileUrl(options.profile),
      'xsi:schemaLocation': schemaLocation(''),
    },
    [
      el('metsHdr', { CREATEDATE: truth.createdAt, RECORDSTATUS: 'NEW', 'csip:OAISPACKAGETYPE': 'SIP' }, [
        softwareAgent(),
        ident({ ROLE: 'ARCHIVIST', TYPE: 'ORGANIZATION' }, truth.organisation, idCode),
        ident({ ROLE: 'OTHER', OTHERROLE: 'SUBMITTER', TYPE: 'ORGANIZATION' }, `${truth.organisation}, kommunstyrelsens förvaltning`, idCode),
        el('agent', { ROLE: 'CREATOR', TYPE: 'INDIVIDUAL' }, [textEl('name', ctx.contact), textEl('note', `${ctx.contactEmail}, 010-123 45 67`)]),
        ident({ ROLE: 'PRESERVATION', TYPE: 'ORGANIZATION' }, `${truth.organisation}, kommunarkivet`, idCode),
        textEl('altRecordID', ctx.submissionAgreement, { TYPE: 'SUBMISSIONAGREEMENT' }),
      ]),
      el('dmdSec', { ID: 'dmd-erms', CREATED: truth.createdAt, STATUS: 'CURRENT' }, [mdRef(erms, 'OTHER', { OTHERMDTYPE: 'ERMS', MDTYPEVERSION: '2.1.2' })]),
      el('amdSec', { ID: 'amd-1' }, [el('digiprovMD', { ID: 'digiprov-premis', CREATED: truth.createdAt, STATUS: 'CURRENT' }, [mdRef(premis, 'PREMIS', { MDTYPEVERSION: '3.0' })])]),
      el('fileSec', { ID: 'filesec-1' }, [
        el('fileGrp', { ID: 'fgrp-documentation', USE: 'Documentation' }, [metsFile('file-doc-1', doc, 'METS.xml')]),
        el('fileGrp', { ID: 'fgrp-schemas', USE: 'Schemas' }, schemas.map((s, i) => metsFile(`file-schema-${i + 1}`, s, 'METS.xml'))),
        el('fileGrp', { ID: 'fgrp-rep1', USE: 'Representations/rep1', 'csip:CONTENTINFORMATIONTYPE': contentInformationType(options.profile) }, [
          metsFile('file-rep1-mets', repMets, 'METS.xml'),
        ]),
      ]),
      el('structMap', { ID: 'structmap-csip', TYPE: 'PHYSICAL', LABEL: 'CSIP' }, [
        el('div', { ID: 'div-package', LABEL: truth.objid }, [
          el('div', { ID: 'div-metadata', LABEL: 'Metadata', DMDID: 'dmd-erms', ADMID: 'digiprov-premis' }),
          el('div', { ID: 'div-documentation', LABEL: 'Documentation' }, [el('fptr', { FILEID: 'fgrp-documentation' })]),
          el('div', { ID: 'div-schemas', LABEL: 'Schemas' }, [el('fptr', { FILEID: 'fgrp-schemas' })]),
          // With a representation METS the package METS lists the representation by an mptr only (CSIP 5.3.6,
          // profile example 2); a bare "Representations" division with an fptr is for packages without one.
          el('div', { ID: 'div-rep1', LABEL: 'Representations/rep1' }, [
            el('mptr', { LOCTYPE: 'URL', 'xlink:type': 'simple', 'xlink:href': repMets.path, 'xlink:title': 'fgrp-rep1' }),
          ]),
        ]),
      ]),
    ],
  );
}

function representationMets(ctx: PackageContext, data: SpecFile[], metsPath: string): XmlElement {
  const { options, truth } = ctx;
  return el(
    'mets',
    {
      ...NS,
      OBJID: 'rep1',
      TYPE: 'Mixed',
      'csip:CONTENTINFORMATIONTYPE': contentInformationType(options.profile),
      PROFILE: earkProfileUrl(options.profile),
      'xsi:schemaLocation': schemaLocation('../../'),
    },
    [
      el('metsHdr', { CREATEDATE: truth.createdAt, 'csip:OAISPACKAGETYPE': 'SIP' }, [softwareAgent()]),
      // CSIP64: @USE begins with a vocabulary label and is the whole folder path to the data ("Representations/…/data").
      el('fileSec', { ID: 'filesec-rep1' }, [el('fileGrp', { ID: 'fgrp-rep1-data', USE: 'Representations/rep1/data' }, data.map((f, i) => metsFile(`file-${i + 1}`, f, metsPath)))]),
      el('structMap', { ID: 'structmap-rep1', TYPE: 'PHYSICAL', LABEL: 'CSIP' }, [
        el('div', { ID: 'div-rep1-root', LABEL: 'rep1' }, [
          // CSIP88/90: the Metadata division is 1..1 MUST in every CSIP METS, even one without metadata sections.
          el('div', { ID: 'div-rep1-metadata', LABEL: 'Metadata' }),
          el('div', { ID: 'div-rep1-data', LABEL: 'Representations' }, [el('fptr', { FILEID: 'fgrp-rep1-data' })]),
        ]),
      ]),
    ],
  );
}

const DIRECTION: Record<RecordTruth['direction'], string> = { incoming: 'incoming', outgoing: 'outgoing', internal: 'internal_memo_without_follow-up' };

/** The marking; a second restriction of the other type "registration_details" when it hides those too. */
function restrictions(s: SecrecyTruth | undefined): XmlElement[] {
  if (!s) return [];
  const one = (attrs: Record<string, string>, text: string) =>
    el('restriction', attrs, [
      textEl('explanatoryText', text),
      textEl('regulation', s.provision),
      el('dates', {}, [textEl('date', `${s.markedAt}T00:00:00`, { dateType: 'created' })]),
      // restriction/dates holds one date (ERMS62, the marking's own); the period goes in duration (ERMS63-64).
      s.runsFrom ? el('duration', {}, [el('dates', {}, [textEl('date', `${s.runsFrom}T00:00:00`, { dateType: 'start' })])]) : undefined,
    ]);
  return [
    one({ restrictionType: 'confidential' }, s.explanatoryText),
    ...(s.coversRegistration ? [one({ restrictionType: 'other_type', otherRestrictionType: 'registration_details' }, REGISTRATION_TEXT)] : []),
  ];
}

function ermsDocument(ctx: PackageContext, cases: CaseTruth[]): XmlElement {
  const { truth } = ctx;
  return el('erms', { xmlns: 'https://DILCIS.eu/XML/ERMS', 'xmlns:xsi': NS['xmlns:xsi'], 'xsi:schemaLocation': 'https://DILCIS.eu/XML/ERMS ../../schemas/ERMS.xsd' }, [
    el('control', {}, [
      textEl('identification', truth.objid, { identificationType: 'deliveryIdentifier' }),
      el('maintenanceInformation', {}, [
        el('maintenanceStatus', { value: 'new' }),
        el('maintenanceAgency', {}, [textEl('agencyCode', truth.organisationNumber, { type: 'organisationsnummer' }), textEl('agencyName', truth.organisation)]),
        el('maintenanceHistory', {}, [
          el('maintenanceEvent', {}, [
            el('eventType', { value: 'created' }),
            textEl('eventDateTime', truth.createdAt),
            el('agent', { agentType: 'creator' }, [textEl('name', 'Bevara testpaketgenerator')]),
          ]),
        ]),
      ]),
    ]),
    el('aggregations', {}, cases.map((c) => aggregation(ctx, c))),
  ]);
}

function aggregation(ctx: PackageContext, c: CaseTruth): XmlElement {
  return el('aggregation', { systemIdentifier: c.systemId, aggregationType: 'caseFile' }, [
    textEl('objectId', c.diarienummer),
    el('classification', { classificationCode: c.classification }),
    textEl('title', c.title),
    el('status', { value: 'closed' }),
    ...restrictions(c.secrecy),
    el('agents', {}, [
      el('agent', { agentType: 'responsible_person' }, [textEl('name', ctx.contact), textEl('organisation', ctx.truth.organisation), textEl('unitName', c.boardName)]),
    ]),
    el('dates', {}, [textEl('date', `${c.openedAt}T00:00:00`, { dateType: 'created' }), textEl('date', `${c.closedAt}T00:00:00`, { dateType: 'closed' })]),
    ...c.records.map((r) => record(r)),
  ]);
}

function record(r: RecordTruth): XmlElement {
  const own = r.secrecy && r.secrecy.level === 'record' ? r.secrecy : undefined;
  return el('record', { systemIdentifier: r.systemId, recordType: r.documentType }, [
    textEl('objectId', r.objectId),
    textEl('title', r.title),
    textEl('runningNumber', String(r.runningNumber)),
    ...restrictions(own),
    el('direction', { directionDefinition: DIRECTION[r.direction] }),
    r.counterpart ? el('agents', {}, [el('agent', { agentType: r.direction === 'incoming' ? 'sender' : 'recipient' }, [textEl('name', r.counterpart)])]) : undefined,
    el('dates', {}, [textEl('date', `${r.date}T00:00:00`, { dateType: 'created' }), r.direction === 'incoming' ? textEl('date', `${r.date}T00:00:00`, { dateType: 'received' }) : undefined]),
    el('additionalInformation', {}, r.files.map((p) => el('appendix', { name: posix.basename(p), path: p }))),
  ]);
}

function premisDocument(ctx: PackageContext): XmlElement {
  const id = (kind: string, type: string, value: string) => el(`premis:${kind}Identifier`, {}, [textEl(`premis:${kind}IdentifierType`, type), textEl(`premis:${kind}IdentifierValue`, value)]);
  return el('premis:premis', { 'xmlns:premis': 'http://www.loc.gov/premis/v3', 'xmlns:xsi': NS['xmlns:xsi'], version: '3.0' }, [
    el('premis:object', { 'xsi:type': 'premis:representation' }, [id('object', 'local', 'rep1')]),
    el('premis:event', {}, [
      id('event', 'local', 'event-creation-1'),
      textEl('premis:eventType', 'creation'),
      textEl('premis:eventDateTime', ctx.truth.createdAt),
      el('premis:eventDetailInformation', {}, [textEl('premis:eventDetail', 'Leveranspaketet skapades av Bevara testpaketgenerator')]),
      el('premis:linkingAgentIdentifier', {}, [textEl('premis:linkingAgentIdentifierType', 'local'), textEl('premis:linkingAgentIdentifierValue', 'agent-generator')]),
    ]),
    el('premis:agent', {}, [id('agent', 'local', 'agent-generator'), textEl('premis:agentName', 'Bevara testpaketgenerator'), textEl('premis:agentType', 'software')]),
  ]);
}

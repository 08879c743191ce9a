import { posix } from 'node:path';
import { REGISTRATION_TEXT } from './cases.ts';
import { contentInfo, xmlContent } from './content.ts';
import type { CaseModel } from './model.ts';
import { schemaFiles } from './schemas.ts';
import { el, textEl, type XmlElement } from './xml.ts';
import type { CaseTruth, GenerateOptions, PackageTruth, RecordTruth, SecrecyTruth, SpecFile } from './types.ts';

/**
 * FGS Paketstruktur 1.2 packages: `sip.xml` (METS after CSPackageMETS.xsd with the ExtensionMETS
 * attributes) at the root, the records and an FGS Ärendehantering 1.0 file under `Content/`, the
 * schemas under `System/`. Files are referenced as `file:///Content/…`, as Riksarkivet's examples do.
 */
export const FGS_DATA_PREFIX = 'Content';
export const FGS_PROFILE_URL = 'http://xml.ra.se/e-arkiv/METS/CommonSpecificationSwedenPackageProfile.xml';
export const FGS_ERMS_PATH = 'Content/arendehantering.xml';

/** What every profile writer needs besides the cases. */
export interface PackageContext {
  options: GenerateOptions;
  truth: PackageTruth;
  contact: string;
  contactEmail: string;
  submissionAgreement: string;
}

export function buildFgs12(ctx: PackageContext, model: CaseModel): { files: SpecFile[]; sealOrder: string[] } {
  const created = ctx.truth.createdAt;
  const erms: SpecFile = { path: FGS_ERMS_PATH, mediaType: 'text/xml', created, content: xmlContent(leveransobjekt(model.cases, model.files)) };
  const schemas: SpecFile[] = schemaFiles('fgs12').map((s) => ({ path: `System/${s.name}`, mediaType: 'application/xml', created, content: s.content }));
  const content = [erms, ...model.files];
  const sip: SpecFile = { path: 'sip.xml', mediaType: 'text/xml', created, content: xmlContent(sipXml(ctx, content, schemas)) };
  return { files: [sip, ...content, ...schemas], sealOrder: [FGS_ERMS_PATH, 'sip.xml'] };
}

function fgsFile(id: string, f: SpecFile): XmlElement {
  const info = contentInfo(f.content);
  return el('file', { ID: id, MIMETYPE: f.mediaType, SIZE: info.size, CREATED: f.created, CHECKSUM: info.sha256, CHECKSUMTYPE: 'SHA-256', 'ext:ORIGINALFILENAME': posix.basename(f.path) }, [
    el('FLocat', { LOCTYPE: 'URL', 'xlink:type': 'simple', 'xlink:href': `file:///${f.path}` }),
  ]);
}

function sipXml(ctx: PackageContext, content: SpecFile[], schemas: SpecFile[]): XmlElement {
  const { truth } = ctx;
  const secret = truth.cases.some((c) => c.secrecy || c.records.some((r) => r.secrecy));
  const dates = truth.cases.flatMap((c) => [c.openedAt, c.closedAt]).sort();
  const idCode = `ORG:${truth.organisationNumber}`;
  return el(
    'mets',
    {
      xmlns: 'http://www.loc.gov/METS/',
      'xmlns:ext': 'ExtensionMETS',
      'xmlns:xlink': 'http://www.w3.org/1999/xlink',
      'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance',
      'xsi:schemaLocation': 'http://www.loc.gov/METS/ http://xml.ra.se/e-arkiv/METS/CSPackageMETS.xsd ExtensionMETS http://xml.ra.se/e-arkiv/METS/CSPackageExtensionMETS.xsd',
      OBJID: truth.objid,
      LABEL: truth.label,
      TYPE: 'ERMS',
      PROFILE: FGS_PROFILE_URL,
      'ext:CONTENTTYPESPECIFICATION': 'FGS Ärendehantering, version 1.0',
      'ext:SYSTEMTYPE': 'Ärendehanteringssystem',
      'ext:ARCHIVALNAME': `${truth.organisation}s arkiv`,
      'ext:APPRAISAL': 'No',
      'ext:ACCESSRESTRICT': secret ? 'Secrecy and PuL' : undefined,
      'ext:STARTDATE': dates[0],
      'ext:ENDDATE': dates[dates.length - 1],
    },
    [
      el('metsHdr', { CREATEDATE: truth.createdAt, RECORDSTATUS: 'NEW', 'ext:OAISSTATUS': 'SIP', 'ext:AGREEMENTFORM': 'AGREEMENT' }, [
        el('agent', { ROLE: 'ARCHIVIST', TYPE: 'ORGANIZATION' }, [textEl('name', truth.organisation), textEl('note', idCode)]),
        el('agent', { ROLE: 'CREATOR', TYPE: 'ORGANIZATION' }, [textEl('name', `${truth.organisation}, kommunstyrelsens förvaltning`), textEl('note', idCode)]),
        el('agent', { ROLE: 'CREATOR', TYPE: 'INDIVIDUAL' }, [textEl('name', ctx.contact), textEl('note', ctx.contactEmail)]),
        el('agent', { ROLE: 'ARCHIVIST', TYPE: 'OTHER', OTHERTYPE: 'SOFTWARE' }, [textEl('name', 'Exempelby Ärende'), textEl('note', '5.2')]),
        el('agent', { ROLE: 'CREATOR', TYPE: 'OTHER', OTHERTYPE: 'SOFTWARE' }, [textEl('name', 'Bevara testpaketgenerator'), textEl('note', '0.1.0')]),
        el('agent', { ROLE: 'PRESERVATION', TYPE: 'ORGANIZATION' }, [textEl('name', `${truth.organisation}, kommunarkivet`)]),
        textEl('altRecordID', ctx.submissionAgreement, { TYPE: 'SUBMISSIONAGREEMENT' }),
        textEl('metsDocumentID', 'sip.xml'),
      ]),
      el('fileSec', {}, [
        el('fileGrp', { ID: 'fgrp-content', USE: 'Content' }, content.map((f, i) => fgsFile(`file-${i + 1}`, f))),
        el('fileGrp', { ID: 'fgrp-system', USE: 'System' }, schemas.map((f, i) => fgsFile(`file-system-${i + 1}`, f))),
      ]),
      el('structMap', { TYPE: 'physical', LABEL: 'Paketstruktur' }, [
        el('div', { LABEL: 'Package' }, [
          el('div', { LABEL: 'Content' }, [el('fptr', { FILEID: 'fgrp-content' })]),
          el('div', { LABEL: 'System' }, [el('fptr', { FILEID: 'fgrp-system' })]),
        ]),
      ]),
    ],
  );
}

/**
 * The marking; a second `Restriktion Typ="Annan typ" AnnanTyp="Registreringsuppgifter"` when it hides the
 * registration details too. FGS 1.0 has no start date for a restriction (`RestriktionsDatum` is its end).
 */
function restriktioner(s: SecrecyTruth | undefined): XmlElement[] {
  if (!s) return [];
  return [
    el('Restriktion', { Typ: 'Sekretess' }, [textEl('ForklarandeText', s.explanatoryText), textEl('Lagrum', s.provision)]),
    ...(s.coversRegistration ? [el('Restriktion', { Typ: 'Annan typ', AnnanTyp: 'Registreringsuppgifter' }, [textEl('ForklarandeText', REGISTRATION_TEXT), textEl('Lagrum', s.provision)])] : []),
  ];
}

function leveransobjekt(cases: CaseTruth[], files: SpecFile[]): XmlElement {
  const byPath = new Map(files.map((f) => [f.path, f]));
  return el('Leveransobjekt', { xmlns: 'http://xml.ra.se/e-arkiv/FGS-ERMS' }, [
    el('ArkivobjektListaArenden', {}, cases.map((c) => arende(c, byPath))),
  ]);
}

function arende(c: CaseTruth, byPath: Map<string, SpecFile>): XmlElement {
  return el('ArkivobjektArende', { Systemidentifierare: c.systemId }, [
    textEl('ArkivobjektID', c.diarienummer),
    textEl('ArendeTyp', c.kind),
    textEl('Avslutat', c.closedAt),
    el('Agent', {}, [textEl('Roll', 'Handläggare'), textEl('Namn', 'Karin Öberg'), textEl('Enhetsnamn', c.boardName)]),
    textEl('Klass', c.classification),
    ...restriktioner(c.secrecy),
    textEl('Skapad', c.openedAt),
    textEl('StatusArande', 'Stängt'),
    textEl('Arendemening', c.title),
    el('ArkivobjektListaHandlingar', {}, c.records.map((r) => handling(r, byPath))),
  ]);
}

function handling(r: RecordTruth, byPath: Map<string, SpecFile>): XmlElement {
  const own = r.secrecy && r.secrecy.level === 'record' ? r.secrecy : undefined;
  return el('ArkivobjektHandling', { Systemidentifierare: r.systemId }, [
    textEl('ArkivobjektID', r.objectId),
    textEl('Handlingstyp', r.documentType),
    r.direction === 'incoming' && r.counterpart ? el('Avsandare', {}, [textEl('Namn', r.counterpart)]) : undefined,
    r.direction === 'outgoing' ? textEl('Expedierad', r.date) : undefined,
    r.direction === 'incoming' ? textEl('Inkommen', r.date) : undefined,
    textEl('Lopnummer', String(r.runningNumber)),
    r.direction === 'outgoing' && r.counterpart ? el('Mottagare', {}, [textEl('Namn', r.counterpart)]) : undefined,
    textEl('Rubrik', r.title),
    textEl('Skapad', r.date),
    textEl('StatusHandling', r.direction === 'incoming' ? 'Inkommen' : r.direction === 'outgoing' ? 'Expedierad' : 'Upprättad'),
    ...restriktioner(own),
    ...r.files.map((p) => {
      const f = byPath.get(p);
      const info = f ? contentInfo(f.content) : undefined;
      return el('Bilaga', {
        Namn: posix.basename(p),
        Lank: `file:///${p}`,
        Storlek: info?.size,
        Mimetyp: f?.mediaType,
        Checksumma: info?.sha256,
        ChecksummaMetod: 'SHA-256',
      });
    }),
  ]);
}

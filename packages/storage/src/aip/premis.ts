import { randomUUID } from 'node:crypto';
import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { StorageError } from '../errors.ts';
import type { FileFormat, PremisAgent, PremisEvent, StoredEvent } from './model.ts';

const NS = 'http://www.loc.gov/premis/v3';
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

export interface PremisObject {
  path: string;
  sha256: string;
  size: number;
  format?: FileFormat;
}

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@', format: true, suppressEmptyNode: true });

/** One version's PREMIS document: the files it added, its events and the agents they name. */
export function buildPremis(input: { objects: PremisObject[]; events: PremisEvent[]; agents: PremisAgent[]; now: Date }): Buffer {
  const doc = {
    '?xml': { '@version': '1.0', '@encoding': 'UTF-8' },
    'premis:premis': {
      '@xmlns:premis': NS,
      '@xmlns:xsi': XSI,
      '@xsi:schemaLocation': `${NS} http://www.loc.gov/standards/premis/v3/premis-v3-0.xsd`,
      '@version': '3.0',
      'premis:object': input.objects.map(objectXml),
      'premis:event': input.events.map((e) => eventXml(e, input.now)),
      'premis:agent': input.agents.map(agentXml),
    },
  };
  return Buffer.from(builder.build(doc), 'utf8');
}

function objectXml(o: PremisObject): object {
  const format = o.format?.puid || o.format?.name
    ? {
        'premis:formatDesignation': { 'premis:formatName': o.format.name ?? o.format.puid },
        ...(o.format.puid
          ? { 'premis:formatRegistry': { 'premis:formatRegistryName': 'PRONOM', 'premis:formatRegistryKey': o.format.puid } }
          : {}),
      }
    : { 'premis:formatDesignation': { 'premis:formatName': 'unknown' } };
  return {
    '@xsi:type': 'premis:file',
    'premis:objectIdentifier': { 'premis:objectIdentifierType': 'local', 'premis:objectIdentifierValue': o.path },
    'premis:objectCharacteristics': {
      'premis:compositionLevel': 0,
      'premis:fixity': { 'premis:messageDigestAlgorithm': 'SHA-256', 'premis:messageDigest': o.sha256 },
      'premis:size': o.size,
      'premis:format': format,
    },
    'premis:originalName': o.path,
  };
}

function eventXml(e: PremisEvent, now: Date): object {
  return {
    'premis:eventIdentifier': { 'premis:eventIdentifierType': 'UUID', 'premis:eventIdentifierValue': e.id ?? randomUUID() },
    'premis:eventType': e.type,
    'premis:eventDateTime': (e.dateTime ?? now).toISOString(),
    'premis:eventDetailInformation': { 'premis:eventDetail': e.detail },
    'premis:eventOutcomeInformation': {
      'premis:eventOutcome': e.outcome,
      ...(e.outcomeDetail ? { 'premis:eventOutcomeDetail': { 'premis:eventOutcomeDetailNote': e.outcomeDetail } } : {}),
    },
    'premis:linkingAgentIdentifier': e.agents.map((a) => ({
      'premis:linkingAgentIdentifierType': 'local',
      'premis:linkingAgentIdentifierValue': a.id,
      ...(a.role ? { 'premis:linkingAgentRole': a.role } : {}),
    })),
    'premis:linkingObjectIdentifier': (e.objects ?? []).map((p) => ({
      'premis:linkingObjectIdentifierType': 'local',
      'premis:linkingObjectIdentifierValue': p,
    })),
  };
}

function agentXml(a: PremisAgent): object {
  return {
    'premis:agentIdentifier': { 'premis:agentIdentifierType': 'local', 'premis:agentIdentifierValue': a.id },
    'premis:agentName': a.name,
    'premis:agentType': a.type,
    ...(a.version ? { 'premis:agentVersion': a.version } : {}),
  };
}

const ARRAYS = new Set(['premis:object', 'premis:event', 'premis:agent', 'premis:linkingAgentIdentifier', 'premis:linkingObjectIdentifier']);
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  processEntities: false,
  isArray: (name) => ARRAYS.has(name),
});

export interface ParsedPremis {
  events: Omit<StoredEvent, 'version'>[];
  agents: PremisAgent[];
  objects: PremisObject[];
}

/** Reads back a PREMIS document that buildPremis wrote (it is Bevara's own output, never a submitter's). */
export function parsePremis(xml: Buffer, where: string): ParsedPremis {
  if (xml.includes('<!DOCTYPE')) throw new StorageError('S-011', `${where}: DOCTYPE in PREMIS`);
  let root: Record<string, any>;
  try {
    root = parser.parse(xml.toString('utf8'))['premis:premis'];
  } catch (e) {
    throw new StorageError('S-011', `${where}: PREMIS is not well-formed`, {}, { cause: e });
  }
  if (!root) throw new StorageError('S-011', `${where}: not a PREMIS document`);
  const text = (v: unknown): string => (v === undefined || v === null ? '' : typeof v === 'object' ? String((v as any)['#text'] ?? '') : String(v));
  return {
    events: (root['premis:event'] ?? []).map((e: any) => ({
      id: text(e['premis:eventIdentifier']?.['premis:eventIdentifierValue']),
      type: text(e['premis:eventType']),
      dateTime: text(e['premis:eventDateTime']),
      detail: text(e['premis:eventDetailInformation']?.['premis:eventDetail']),
      outcome: text(e['premis:eventOutcomeInformation']?.['premis:eventOutcome']) as PremisEvent['outcome'],
      ...(e['premis:eventOutcomeInformation']?.['premis:eventOutcomeDetail']
        ? { outcomeDetail: text(e['premis:eventOutcomeInformation']['premis:eventOutcomeDetail']['premis:eventOutcomeDetailNote']) }
        : {}),
      agents: (e['premis:linkingAgentIdentifier'] ?? []).map((a: any) => ({
        id: text(a['premis:linkingAgentIdentifierValue']),
        ...(a['premis:linkingAgentRole'] ? { role: text(a['premis:linkingAgentRole']) } : {}),
      })),
      objects: (e['premis:linkingObjectIdentifier'] ?? []).map((o: any) => text(o['premis:linkingObjectIdentifierValue'])),
    })),
    agents: (root['premis:agent'] ?? []).map((a: any) => ({
      id: text(a['premis:agentIdentifier']?.['premis:agentIdentifierValue']),
      name: text(a['premis:agentName']),
      type: text(a['premis:agentType']) as PremisAgent['type'],
      ...(a['premis:agentVersion'] ? { version: text(a['premis:agentVersion']) } : {}),
    })),
    objects: (root['premis:object'] ?? []).map((o: any) => {
      const c = o['premis:objectCharacteristics'] ?? {};
      const f = c['premis:format'] ?? {};
      const puid = text(f['premis:formatRegistry']?.['premis:formatRegistryKey']);
      const name = text(f['premis:formatDesignation']?.['premis:formatName']);
      return {
        path: text(o['premis:objectIdentifier']?.['premis:objectIdentifierValue']),
        sha256: text(c['premis:fixity']?.['premis:messageDigest']),
        size: Number(text(c['premis:size'])),
        format: { ...(puid ? { puid } : {}), ...(name && name !== 'unknown' ? { name } : {}) },
      };
    }),
  };
}

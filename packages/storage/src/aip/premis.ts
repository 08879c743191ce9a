import { randomUUID } from 'node:crypto';
import { XMLBuilder } from 'fast-xml-parser';
import type { FileFormat, PremisAgent, PremisEvent } from './model.ts';

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

import { randomUUID } from 'node:crypto';
import type { FileFormat, PremisAgent, PremisEvent } from './model.ts';
import { XmlWriter } from './xml-writer.ts';

const NS = 'http://www.loc.gov/premis/v3';
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

export interface PremisObject {
  path: string;
  sha256: string;
  size: number;
  format?: FileFormat;
}

/** One version's PREMIS document: the files it added, its events and the agents they name. */
export function buildPremis(input: { objects: PremisObject[]; events: PremisEvent[]; agents: PremisAgent[]; now: Date }): Buffer {
  const xml = new XmlWriter().open('premis:premis', [
    ['xmlns:premis', NS],
    ['xmlns:xsi', XSI],
    ['xsi:schemaLocation', `${NS} http://www.loc.gov/standards/premis/v3/premis-v3-0.xsd`],
    ['version', '3.0'],
  ]);
  for (const o of input.objects) writeObject(xml, o);
  for (const e of input.events) writeEvent(xml, e, input.now);
  for (const a of input.agents) writeAgent(xml, a);
  return xml.close('premis:premis').toBuffer();
}

function writeObject(xml: XmlWriter, o: PremisObject): void {
  xml.open('premis:object', [['xsi:type', 'premis:file']]);
  identifier(xml, 'premis:objectIdentifier', 'local', o.path);
  xml.open('premis:objectCharacteristics').text('premis:compositionLevel', 0);
  xml.open('premis:fixity').text('premis:messageDigestAlgorithm', 'SHA-256').text('premis:messageDigest', o.sha256).close('premis:fixity');
  xml.text('premis:size', o.size).open('premis:format');
  const { puid, name } = o.format ?? {};
  xml.open('premis:formatDesignation').text('premis:formatName', name || puid || 'unknown').close('premis:formatDesignation');
  if (puid) xml.open('premis:formatRegistry').text('premis:formatRegistryName', 'PRONOM').text('premis:formatRegistryKey', puid).close('premis:formatRegistry');
  xml.close('premis:format').close('premis:objectCharacteristics');
  xml.text('premis:originalName', o.path).close('premis:object');
}

function writeEvent(xml: XmlWriter, e: PremisEvent, now: Date): void {
  xml.open('premis:event');
  identifier(xml, 'premis:eventIdentifier', 'UUID', e.id ?? randomUUID());
  xml.text('premis:eventType', e.type).text('premis:eventDateTime', (e.dateTime ?? now).toISOString());
  xml.open('premis:eventDetailInformation').text('premis:eventDetail', e.detail).close('premis:eventDetailInformation');
  xml.open('premis:eventOutcomeInformation').text('premis:eventOutcome', e.outcome);
  if (e.outcomeDetail) xml.open('premis:eventOutcomeDetail').text('premis:eventOutcomeDetailNote', e.outcomeDetail).close('premis:eventOutcomeDetail');
  xml.close('premis:eventOutcomeInformation');
  for (const a of e.agents) {
    xml.open('premis:linkingAgentIdentifier').text('premis:linkingAgentIdentifierType', 'local').text('premis:linkingAgentIdentifierValue', a.id);
    if (a.role) xml.text('premis:linkingAgentRole', a.role);
    xml.close('premis:linkingAgentIdentifier');
  }
  for (const p of e.objects ?? []) identifier(xml, 'premis:linkingObjectIdentifier', 'local', p);
  xml.close('premis:event');
}

function writeAgent(xml: XmlWriter, a: PremisAgent): void {
  xml.open('premis:agent');
  identifier(xml, 'premis:agentIdentifier', 'local', a.id);
  xml.text('premis:agentName', a.name).text('premis:agentType', a.type);
  if (a.version) xml.text('premis:agentVersion', a.version);
  xml.close('premis:agent');
}

/** A PREMIS identifier element: its `…Type` and `…Value` children are named after it. */
function identifier(xml: XmlWriter, element: string, type: string, value: string): void {
  xml.open(element).text(`${element}Type`, type).text(`${element}Value`, value).close(element);
}

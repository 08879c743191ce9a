import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { buildAipMets, parseAipMets, type MetsFile } from './mets.ts';
import { buildPremis } from './premis.ts';
import { escapeXml, XmlWriter } from './xml-writer.ts';

const odd = `submission/representations/rep1/data/a&b <c> "d" 'e'.pdf`;

describe('XmlWriter', () => {
  it('escapes the five special characters in text and attributes, indents by two, writes empty elements short', () => {
    expect(escapeXml(`a&b<c>'d"`)).toBe('a&amp;b&lt;c&gt;&apos;d&quot;');
    expect(escapeXml('plain åäö')).toBe('plain åäö');
    const xml = new XmlWriter().open('r', [['a', '<&>']]).text('t', 'x & y').text('e', '').empty('n', [['k', 1]]).close('r').toBuffer().toString();
    expect(xml).toBe('<?xml version="1.0" encoding="UTF-8"?>\n<r a="&lt;&amp;&gt;">\n  <t>x &amp; y</t>\n  <e/>\n  <n k="1"/>\n</r>\n');
  });

  it('the AIP METS reads back as written, odd characters in paths and label included', () => {
    const file = (path: string, n: number): MetsFile => ({ path, sha256: String(n).repeat(64), size: n, mimeType: 'application/pdf', created: `2026-01-0${n}T00:00:00.000Z` });
    const files = [file(odd, 1), file('metadata/descriptive/ead.xml', 2), file('metadata/preservation/premis-v1.xml', 3), file('top.txt', 4)];
    const parsed = parseAipMets(buildAipMets({ id: 'urn:x', label: 'Bygg & <miljö>', contentCategory: 'Mixed', created: 'c', modified: 'm', revised: false, files }), 'test');
    expect(parsed).toMatchObject({ id: 'urn:x', label: 'Bygg & <miljö>', contentCategory: 'Mixed', created: 'c' });
    expect(new Map([...parsed.files].sort())).toEqual(new Map(files.map((f) => [f.path, { mimeType: f.mimeType, created: f.created, sha256: f.sha256, size: f.size }] as const).sort()));
  });

  it('PREMIS holds each object, event and agent with its text as given', () => {
    const xml = buildPremis({
      objects: [{ path: odd, sha256: 'a'.repeat(64), size: 7, format: { puid: 'fmt/95' } }],
      events: [{ id: 'e1', type: 'ingestion', detail: '', outcome: 'success', outcomeDetail: '1 < 2', agents: [{ id: 'bevara', role: 'executing program' }], objects: [odd] }],
      agents: [{ id: 'bevara', name: 'Bevara', type: 'software' }],
      now: new Date('2026-01-02T03:04:05Z'),
    });
    const doc = new XMLParser({ ignoreAttributes: false, parseTagValue: false })
      .parse(xml.toString())['premis:premis'];
    expect(doc['premis:object']['premis:objectIdentifier']['premis:objectIdentifierValue']).toBe(odd);
    expect(doc['premis:object']['premis:objectCharacteristics']['premis:format']['premis:formatDesignation']['premis:formatName']).toBe('fmt/95');
    expect(doc['premis:event']['premis:eventDateTime']).toBe('2026-01-02T03:04:05.000Z');
    expect(doc['premis:event']['premis:eventDetailInformation']['premis:eventDetail']).toBe('');
    expect(doc['premis:event']['premis:eventOutcomeInformation']['premis:eventOutcomeDetail']['premis:eventOutcomeDetailNote']).toBe('1 < 2');
    expect(doc['premis:event']['premis:linkingObjectIdentifier']['premis:linkingObjectIdentifierValue']).toBe(odd);
    expect(doc['premis:agent']['premis:agentName']).toBe('Bevara');
  });
});

import { describe, expect, it } from 'vitest';
import type { PremisEvent } from '../aip/model.ts';
import { buildPremis } from '../aip/premis.ts';
import { readPremisEvents } from './premis-events.ts';

const now = new Date('2026-03-04T05:06:07.890Z');

describe('readPremisEvents', () => {
  it('gives back the events buildPremis wrote, past the objects and agents, with escaped characters read as written', () => {
    const events: PremisEvent[] = [
      {
        id: 'e-1',
        type: 'ingestion start',
        dateTime: new Date('2026-03-04T05:00:00.000Z'),
        detail: 'package "A & B" <SIP> it\'s',
        outcome: 'success',
        agents: [{ id: 'submitter:cli', role: 'submitter' }, { id: 'bevara' }],
      },
      {
        id: 'e-2',
        type: 'fixity check',
        detail: 'every file',
        outcome: 'failure',
        outcomeDetail: 'one & only mismatch',
        agents: [{ id: 'bevara', role: 'executing program' }],
        objects: ['content/a&b.txt', 'content/c.pdf'],
      },
    ];
    const xml = buildPremis({
      objects: [{ path: 'content/a&b.txt', sha256: 'a'.repeat(64), size: 3, format: { puid: 'x-fmt/111', name: 'Plain Text' } }, { path: 'content/c.pdf', sha256: 'b'.repeat(64), size: 9 }],
      events,
      agents: [{ id: 'bevara', name: 'Bevara', type: 'software', version: '1' }, { id: 'submitter:cli', name: 'cli', type: 'organization' }],
      now,
    });
    expect(readPremisEvents(xml, 'here')).toEqual([
      { id: 'e-1', type: 'ingestion start', dateTime: '2026-03-04T05:00:00.000Z', detail: 'package "A & B" <SIP> it\'s', outcome: 'success', agents: events[0]!.agents, objects: [] },
      {
        id: 'e-2', type: 'fixity check', dateTime: now.toISOString(), detail: 'every file', outcome: 'failure', outcomeDetail: 'one & only mismatch',
        agents: events[1]!.agents, objects: ['content/a&b.txt', 'content/c.pdf'],
      },
    ]);
  });

  it('reads a document of no events as none', () => {
    expect(readPremisEvents(buildPremis({ objects: [], events: [], agents: [], now }), 'here')).toEqual([]);
  });

  it.each([
    ['a DOCTYPE', '<?xml version="1.0"?><!DOCTYPE premis:premis [<!ENTITY x "y">]><premis:premis><premis:event/></premis:premis>'],
    ['another document', '<?xml version="1.0"?><mets:mets/>'],
    ['a document cut short', '<premis:premis><premis:event'],
    ['an object never closed', '<premis:premis><premis:object><premis:event></premis:event></premis:premis>'],
  ])('refuses %s with S-011', (_, text) => {
    expect(() => readPremisEvents(Buffer.from(text), 'here')).toThrow(expect.objectContaining({ code: 'S-011' }));
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAipMets, metsAsRead, parseAipMets, type MetsFile } from '../aip/mets.ts';
import type { PremisEvent } from '../aip/model.ts';
import { buildPremis } from '../aip/premis.ts';
import type { WrittenEvent } from '../aip/writer.ts';
import { Archive } from '../archive/archive.ts';
import { eventsAsRead, readPremisEvents } from './premis-events.ts';

/** Values the XML reader gives back changed: white space around them, CR LF and lone CR line ends, escapes. */
const awkward = ' Bygg & <miljö>\r\n"ärende"\r \'x\' ';

/** Every catalog row of one AIP; events in the order they were written (their order in the PREMIS). */
function rows(db: Database.Database, id: string): { aips: unknown[]; versions: unknown[]; files: unknown[]; events: unknown[] } {
  const all = (sql: string): unknown[] => db.prepare(sql).all(id);
  return {
    aips: all('SELECT * FROM aips WHERE id = ?'),
    versions: all('SELECT * FROM versions WHERE aip_id = ? ORDER BY rowid'),
    files: all('SELECT * FROM files WHERE aip_id = ? ORDER BY path'),
    events: all('SELECT * FROM events WHERE aip_id = ? ORDER BY rowid'),
  };
}

describe('indexAip: a version indexed from what its writer built, as a rebuild reads it from storage', () => {
  let dir: string;
  beforeAll(() => void (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bevara-index-aip-'))));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('metsAsRead and eventsAsRead give what parsing the written METS and PREMIS gives, awkward values included', () => {
    const file = (p: string, n: number): MetsFile => ({ path: p, sha256: String(n).repeat(64), size: n * 1000, mimeType: ` ${awkward} `, created: `2026-01-0${n}T00:00:00.000Z` });
    const mets = { id: 'urn:x', label: awkward, contentCategory: 'Mixed\r\n', created: 'c', modified: 'm', revised: true, files: [file('a & b.txt', 1), file('metadata/descriptive/ead.xml', 2), file('metadata/preservation/premis-v1.xml', 3)] };
    expect(metsAsRead(mets)).toEqual(parseAipMets(buildAipMets(mets), 'test'));

    const events: WrittenEvent[] = [
      { id: ' e1 ', type: 'ingestion', dateTime: new Date('2026-01-02T03:04:05Z'), detail: awkward, outcome: 'success', outcomeDetail: ` ${awkward}`, agents: [{ id: 'bevara', role: ' executing\r\nprogram ' }, { id: 'x', role: ' ' }], objects: [awkward, 'a & b.txt'] },
      { id: 'e2', type: 'validation', dateTime: new Date(0), detail: '', outcome: 'warning', outcomeDetail: '', agents: [] },
    ];
    const written = buildPremis({ objects: [{ path: 'a & b.txt', sha256: 'a'.repeat(64), size: 1 }], events, agents: [{ id: 'bevara', name: 'Bevara', type: 'software' }], now: new Date() });
    expect(eventsAsRead(events)).toEqual(readPremisEvents(written, 'test'));
  });

  it('gives the catalog the rows of an ingest (v1) and a new version (v2) that a rebuild gives', async () => {
    const archive = await Archive.init(path.join(dir, 'archive'));
    try {
      const events: PremisEvent[] = [
        { type: 'ingestion', detail: awkward, outcome: 'success', outcomeDetail: ' checked ', agents: [{ id: 'bevara', role: ' executing program ' }, { id: 'submitter:x', role: ' ' }], objects: ['data/a & b.txt'] },
        { id: 'given-id', type: 'validation', dateTime: new Date('2020-01-01T00:00:00Z'), detail: '', outcome: 'warning', agents: [{ id: 'bevara' }] },
      ];
      const aip = await archive.createAip({
        label: awkward,
        message: 'ingest',
        user: { name: 'tester' },
        agents: [{ id: 'submitter:x', name: 'X', type: 'organization' }],
        events,
        files: [
          { path: 'data/a & b.txt', source: Buffer.from('alpha') },
          { path: 'data/beslut.pdf', source: Buffer.from('%PDF-1.4 x'), format: { puid: 'fmt/18', mimeType: ' application/pdf ' } },
          { path: 'metadata/descriptive/ead.xml', source: Buffer.from('<ead/>') },
          { path: 'data/same.txt', source: Buffer.from('alpha') },
          { path: 'data/ends in a space ', source: Buffer.from('spaced'), format: { mimeType: 'text/plain' } },
        ],
      });
      const first = rows(archive.catalog.db, aip.id);
      expect(first.events).toHaveLength(2);
      // a path is kept as written, white space at its end included, with the type and size the METS gives it
      expect(first.files).toContainEqual(expect.objectContaining({ path: 'data/ends in a space ', size: 6, mime_type: 'text/plain' }));
      await archive.rebuildCatalog();
      expect(rows(archive.catalog.db, aip.id)).toEqual(first);

      // v1's events are read from storage, v2's taken from its writer
      await archive.addVersion(aip.id, {
        message: 'update',
        user: { name: 'tester' },
        events: [{ type: 'modification', detail: awkward, outcome: 'success', outcomeDetail: awkward, agents: [{ id: 'bevara', role: awkward }], objects: [awkward] }],
        files: [{ path: 'data/new.txt', source: Buffer.from('new'), format: { mimeType: ' text/plain\r\n' } }],
        remove: ['data/same.txt'],
      });
      const second = rows(archive.catalog.db, aip.id);
      expect(second.events).toHaveLength(3);
      expect(second.files.map((f) => (f as { path: string }).path)).toContain('data/new.txt');
      await archive.rebuildCatalog();
      expect(rows(archive.catalog.db, aip.id)).toEqual(second);
    } finally {
      await archive.close();
    }
  });
});

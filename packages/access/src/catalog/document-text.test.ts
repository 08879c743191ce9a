import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachRecordText, MAX_TEXT_BYTES, MAX_TEXT_READS, type TextSource } from './document-text.ts';

describe('forEachRecordText', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bevara-text-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Real files, read back with a delay that makes later ones finish first; counts the reads under way. */
  function store(files: Record<string, string>) {
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    const seen = { running: 0, most: 0, bytes: 0, mostBytes: 0 };
    const read = async (name: string): Promise<Buffer> => {
      const size = fs.statSync(path.join(dir, name)).size;
      seen.running++;
      seen.bytes += size;
      seen.most = Math.max(seen.most, seen.running);
      seen.mostBytes = Math.max(seen.mostBytes, seen.bytes);
      try {
        await sleep(name.endsWith('-slow.txt') ? 30 : Number(name.replace(/\D/g, '') || 0) % 3);
        return await fs.promises.readFile(path.join(dir, name));
      } finally {
        seen.running--;
        seen.bytes -= size;
      }
    };
    return { read, seen };
  }
  const txt = (name: string, size = 10): TextSource => ({ path: name, kind: 'text', size });

  it('hands out every record once, in order, with its documents joined, whatever order the reads end in', async () => {
    const { read } = store({ 'a-slow.txt': 'första  dokumentet', 'b.txt': 'andra', 'c.txt': ' tredje\n' });
    const records = [
      { id: 1, sources: [txt('a-slow.txt'), txt('b.txt')] },
      { id: 2, sources: [] },
      { id: 3, sources: [txt('c.txt')] },
      { id: 4, sources: [] },
    ];
    const out: [number, string][] = [];
    await forEachRecordText(records, read, (r, text) => out.push([r.id, text]));
    expect(out).toEqual([[1, 'första dokumentet\nandra'], [2, ''], [3, 'tredje'], [4, '']]);
  });

  it('reads a document that several records name once, and hands its text to each of them', async () => {
    const { read } = store({ 'shared-slow.txt': 'gemensam bilaga', 'own.txt': 'egen' });
    const reads: string[] = [];
    const counted = (name: string): Promise<Buffer> => {
      reads.push(name);
      return read(name);
    };
    const records = [{ sources: [txt('shared-slow.txt')] }, { sources: [txt('own.txt'), txt('shared-slow.txt')] }, { sources: [] }, { sources: [txt('shared-slow.txt')] }];
    const out: [string, string[]][] = [];
    await forEachRecordText(records, counted, (_, text, outcomes) => out.push([text, outcomes]));
    expect(out).toEqual([['gemensam bilaga', ['read']], ['egen\ngemensam bilaga', ['read', 'read']], ['', []], ['gemensam bilaga', ['read']]]);
    expect(reads.sort()).toEqual(['own.txt', 'shared-slow.txt']);
  });

  it("hands out what became of each document, in the order of the record's sources", async () => {
    const { read } = store({ 'bad-slow.xml': '<a><b></a>', 'good.xml': '<a>ja</a>', 'fine.txt': 'fint' });
    const records = [{ sources: [{ path: 'bad-slow.xml', kind: 'xml' as const, size: 10 }, { path: 'good.xml', kind: 'xml' as const, size: 9 }] }, { sources: [txt('fine.txt')] }];
    const out: [string, string[]][] = [];
    await forEachRecordText(records, read, (_, text, outcomes) => out.push([text, outcomes]));
    expect(out).toEqual([['\nja', ['unreadable', 'read']], ['fint', ['read']]]);
  });

  it('keeps at most MAX_TEXT_READS documents under way', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < MAX_TEXT_READS * 5; i++) files[`doc${i}.txt`] = `text ${i}`;
    const { read, seen } = store(files);
    const records = Object.keys(files).map((name, i) => ({ i, sources: i % 7 === 0 ? [] : [txt(name)] }));
    const order: number[] = [];
    await forEachRecordText(records, read, (r) => order.push(r.i));
    expect(order).toEqual(records.map((r) => r.i));
    expect(seen.most).toBe(MAX_TEXT_READS);
  });

  it('keeps the bytes under way within MAX_TEXT_BYTES, reading a larger document alone', async () => {
    const { read, seen } = store({ 'big1.txt': 'x'.repeat(64), 'big2.txt': 'y'.repeat(64), 'small3.txt': 'z' });
    // stored sizes as the catalog knows them: the two "large" ones together exceed the budget
    const records = [
      { sources: [txt('big1.txt', MAX_TEXT_BYTES - 10)] },
      { sources: [txt('big2.txt', MAX_TEXT_BYTES + 10)] },
      { sources: [txt('small3.txt', 1)] },
    ];
    const texts: string[] = [];
    await forEachRecordText(records, read, (_, text) => texts.push(text));
    expect(texts).toEqual(['x'.repeat(64), 'y'.repeat(64), 'z']);
    expect(seen.most).toBe(1);
  });

  it('fails with the read error once the reads already started have ended', async () => {
    const { read: readFile, seen } = store({ 'ok1.txt': 'ett', 'ok2-slow.txt': 'två' });
    const read = (name: string) => (name === 'missing.txt' ? Promise.reject(new Error('gone')) : readFile(name));
    const emitted: string[] = [];
    const records = [{ sources: [txt('ok1.txt')] }, { sources: [txt('missing.txt')] }, { sources: [txt('ok2-slow.txt')] }];
    await expect(forEachRecordText(records, read, (_, text) => emitted.push(text))).rejects.toThrow('gone');
    expect(emitted).toEqual(['ett']);
    expect(seen.running).toBe(0);
  });
});

/**
 * The safe pre-parse: what it refuses (DOCTYPE, declarations, foreign encodings, depth, size) and what it must let
 * through (the same words inside comments, CDATA, processing instructions and attribute values). Every document is
 * also fed split at every byte, so a construct cut across chunks is judged the same.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { isBevaraError } from '@bevara/storage';
import { readXmlSafely } from './safe.ts';
import { parseSafeBytes } from './dom.ts';

/** The document as one chunk, as two chunks split at every offset, and byte by byte. */
function splits(doc: string | Buffer): Buffer[][] {
  const b = Buffer.isBuffer(doc) ? doc : Buffer.from(doc, 'utf8');
  const out: Buffer[][] = [[b]];
  for (let i = 1; i < b.length; i++) out.push([b.subarray(0, i), b.subarray(i)]);
  out.push([...b].map((x) => Buffer.from([x])));
  return out;
}

async function outcome(chunks: Buffer[], limits?: { maxBytes?: number; maxDepth?: number }): Promise<string> {
  try {
    const bytes = await readXmlSafely(Readable.from(chunks), { name: 't.xml', ...(limits ? { limits } : {}) });
    return bytes.equals(Buffer.concat(chunks)) ? 'ok' : 'bytes differ';
  } catch (e) {
    return isBevaraError(e) ? e.code : String(e);
  }
}

async function expectEverySplit(doc: string | Buffer, want: string, limits?: { maxBytes?: number; maxDepth?: number }): Promise<void> {
  for (const chunks of splits(doc)) {
    expect(await outcome(chunks, limits), `${chunks.length} chunks, first ${chunks[0]!.length} bytes`).toBe(want);
  }
}

const DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';

describe('readXmlSafely', () => {
  it('refuses a DOCTYPE, an internal subset with entities, and one after comments and instructions', async () => {
    await expectEverySplit(`${DECL}<!DOCTYPE mets>\n<mets/>`, 'I-009');
    await expectEverySplit(`${DECL}<!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]><m>&x;</m>`, 'I-009');
    await expectEverySplit(`${DECL}<!-- a -- comment? no: - > -->\n<?pi data?>\n<!DOCTYPE m><m/>`, 'I-009');
  });

  it('lets the same words through where they are text', async () => {
    await expectEverySplit(`${DECL}<!-- <!DOCTYPE m> - > --><m/>`, 'ok');
    await expectEverySplit(`${DECL}<?note <!DOCTYPE m> ? > ?><m/>`, 'ok');
    await expectEverySplit(`${DECL}<m a="<!DOCTYPE m>" b='>'><![CDATA[<!DOCTYPE m> ]] > ]]></m>`, 'ok');
    await expectEverySplit(`${DECL}<m>a &gt; b, &lt;!DOCTYPE m&gt;</m>`, 'ok');
    await expectEverySplit(`${DECL}<m a="x > <!DOCTYPE m>" b='y > <!DOCTYPE m>'/>`, 'ok');
    // '<!--->' opens a comment that goes on: its '->' is text, not the end.
    await expectEverySplit(`${DECL}<!---><!DOCTYPE m> --><m/>`, 'ok');
  });

  it('refuses other declarations outside a DTD', async () => {
    await expectEverySplit(`${DECL}<!ENTITY x "y"><m/>`, 'I-011');
    await expectEverySplit(`${DECL}<m><!ELEMENT m ANY></m>`, 'I-011');
  });

  it('counts nesting: deeper than the limit is refused, empty-element tags do not nest', async () => {
    await expectEverySplit('<a><b><c><d/></c></b></a>', 'ok', { maxDepth: 4 });
    await expectEverySplit('<a><b><c><d><e/></d></c></b></a>', 'I-010', { maxDepth: 4 });
    await expectEverySplit(`<a>${'<b x="/"/><c />'.repeat(20)}</a>`, 'ok', { maxDepth: 2 });
    await expectEverySplit('<a><b x=">"><c/></b></a>', 'I-010', { maxDepth: 2 });
    // Each quote ends only its own kind of value; the other kind, '>' and '/>' inside it are text.
    await expectEverySplit(`<a x='"/>' y="'/>"><b z='"'/></a>`, 'ok', { maxDepth: 2 });
    await expectEverySplit(`<a x='">' y="'>"><b><c/></b></a>`, 'I-010', { maxDepth: 2 });
  });

  it('refuses a document larger than the size limit', async () => {
    expect(await outcome([Buffer.from(`<m>${'x'.repeat(100)}</m>`)], { maxBytes: 50 })).toBe('I-010');
  });

  it('refuses encodings in which markup is not ASCII bytes, accepts ASCII-compatible ones', async () => {
    const utf16 = (s: string, bom: boolean) => Buffer.concat([bom ? Buffer.from([0xff, 0xfe]) : Buffer.alloc(0), Buffer.from(s, 'utf16le')]);
    expect(await outcome([utf16('<!DOCTYPE m><m/>', true)])).toBe('I-011');
    expect(await outcome([utf16('<!DOCTYPE m><m/>', false)])).toBe('I-011');
    expect(await outcome([Buffer.from('<?xml version="1.0" encoding="UTF-7"?>+ADw-!DOCTYPE m+AD4-<m/>')])).toBe('I-011');
    expect(await outcome([Buffer.from([0x4c, 0x6f, 0xa7, 0x94])])).toBe('I-011'); // '<?xm' in EBCDIC
    expect(await outcome([Buffer.from(`<?xml version="1.0"${' '.repeat(2000)}encoding="UTF-7"?><m/>`)])).toBe('I-011');
    await expectEverySplit('\ufeff\n<?xml version="1.0" encoding="ISO-8859-1"?><m/>', 'ok');
    expect(await outcome([Buffer.from('<?xml version="1.0" encoding=\'windows-1252\'?><m>\xe5</m>', 'latin1')])).toBe('ok');
  });

  it('names the line of a refused DOCTYPE', async () => {
    let err: unknown;
    try { await readXmlSafely(Readable.from([Buffer.from(`${DECL}<!-- one -->\n<!DOCTYPE m><m/>`)]), { name: 't.xml' }); } catch (e) { err = e; }
    expect(isBevaraError(err, 'I-009') && err.detail['line']).toBe(3);
  });
});

describe('parseSafeBytes', () => {
  it('judges well-formedness, undefined entities included, and names libxml2\'s reason and line', () => {
    for (const [doc, line] of [['<m>\n<a></m>', 2], ['<m>&undefined;</m>', 1]] as const) {
      let err: unknown;
      try { parseSafeBytes(Buffer.from(doc), 't.xml'); } catch (e) { err = e; }
      expect(isBevaraError(err, 'I-011'), doc).toBe(true);
      expect((err as { detail: Record<string, unknown> }).detail['line'], doc).toBe(line);
      expect((err as Error).message).toMatch(/^XML is not well-formed: ./);
    }
  });
});

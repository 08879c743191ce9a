/**
 * PRONOM container signatures: formats that are zip files (OOXML, ODF, EPUB, …) are told apart
 * by the entries they hold and by byte sequences inside those entries.
 *
 * Only ZIP containers are read. OLE2 containers (legacy Word/Excel/PowerPoint) are not: their
 * signatures are skipped and such files keep their binary identification (fmt/111, OLE2).
 *
 * The zip is read through yauzl over the ByteSource: only the central directory and the entries a
 * signature names are read, and of each entry at most ENTRY_READ_CAP decompressed bytes.
 */
import { Readable } from 'node:stream';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import yauzl from 'yauzl';
import type { Entry, ZipFile } from 'yauzl';
import { FormatError } from './errors.ts';
import { cachedCompile, signatureCacheDir } from './signature-cache.ts';
import { fragmentTokens } from './droid.ts';
import { matches, subSequenceFromTokens, parseExpression, type BytePattern, type Reference, type Token } from './pattern.ts';
import type { ByteSource } from './source.ts';
import { child, childrenNamed, intValue, parseXmlTree, type XmlElement } from './xmltree.ts';

export const CONTAINER_SIGNATURE_FILE = fileURLToPath(
  new URL('../../vendor/pronom/container-signature-20240501.xml', import.meta.url),
);

/** Decompressed bytes read from an entry at most: bounds memory and zip bombs alike. */
export const ENTRY_READ_CAP = 128 * 1024;

const SOURCE = 'container signature file';

interface ContainerFile {
  path: string;
  /** Alternatives: the entry matches when all patterns of any one of them match. */
  signatures: BytePattern[][];
}

export interface ContainerSignature {
  id: number;
  type: 'ZIP' | 'OLE2';
  description: string;
  files: ContainerFile[];
  puids: string[];
}

export interface ContainerSignatures {
  version: string;
  signatures: ContainerSignature[];
  /** Binary identifications that call for a look inside, per container type. */
  triggers: Map<string, 'ZIP' | 'OLE2'>;
  /** Every entry name some ZIP signature needs. */
  zipPaths: Set<string>;
}

let cached: ContainerSignatures | undefined;

/** The shipped container signature file, compiled on first use (or read from the per-user cache). */
export function containerSignatures(): ContainerSignatures {
  cached ??= loadContainerSignatures(CONTAINER_SIGNATURE_FILE, signatureCacheDir());
  return cached;
}

/** Loads a container signature file; with a `cacheDir`, through the compiled-signature cache there. */
export function loadContainerSignatures(path: string, cacheDir: string | null = null): ContainerSignatures {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new FormatError('I-F01', `cannot read container signature file ${path}`, { path }, { cause: e });
  }
  const parse = (): ContainerSignatures => parseContainerSignatures(bytes.toString('utf8'), path);
  return cachedCompile('container', bytes, cacheDir, parse, isContainerSignatures);
}

/** The shape check of a cache entry (its digest already rules out damage). */
function isContainerSignatures(v: unknown): v is ContainerSignatures {
  if (typeof v !== 'object' || v === null) return false;
  const c = v as Partial<Record<keyof ContainerSignatures, unknown>>;
  return typeof c.version === 'string' && c.triggers instanceof Map && c.zipPaths instanceof Set
    && Array.isArray(c.signatures)
    && c.signatures.every((s: Partial<ContainerSignature> | null) => typeof s?.id === 'number'
      && (s.type === 'ZIP' || s.type === 'OLE2') && Array.isArray(s.files) && Array.isArray(s.puids));
}

function parseContainerSignatures(xml: string, path: string): ContainerSignatures {
  const root = parseXmlTree(xml, path);
  if (root.name !== 'ContainerSignatureMapping') {
    throw new FormatError('I-F01', `${path} is not a container signature file`, { path });
  }
  const puidsBySig = new Map<number, string[]>();
  for (const m of childrenNamed(child(root, 'FileFormatMappings'), 'FileFormatMapping')) {
    const id = intValue(m.attrs['signatureId'], 'signatureId', SOURCE);
    const puid = m.attrs['Puid'] ?? '';
    puidsBySig.set(id, [...(puidsBySig.get(id) ?? []), puid]);
  }
  const signatures: ContainerSignature[] = [];
  const zipPaths = new Set<string>();
  for (const node of childrenNamed(child(root, 'ContainerSignatures'), 'ContainerSignature')) {
    const type = node.attrs['ContainerType'];
    if (type !== 'ZIP' && type !== 'OLE2') continue; // a container type we cannot open
    const id = intValue(node.attrs['Id'], 'ContainerSignature Id', SOURCE);
    const files = childrenNamed(child(node, 'Files'), 'File').map((f) => readFile(f, id));
    const sig: ContainerSignature = {
      id,
      type,
      description: child(node, 'Description')?.text.trim() ?? '',
      files,
      puids: puidsBySig.get(id) ?? [],
    };
    signatures.push(sig);
    if (type === 'ZIP') for (const f of files) zipPaths.add(f.path);
  }
  const triggers = new Map<string, 'ZIP' | 'OLE2'>();
  for (const t of childrenNamed(child(root, 'TriggerPuids'), 'TriggerPuid')) {
    const type = t.attrs['ContainerType'];
    if ((type === 'ZIP' || type === 'OLE2') && t.attrs['Puid']) triggers.set(t.attrs['Puid'], type);
  }
  return { version: root.attrs['signatureVersion'] ?? '', signatures, triggers, zipPaths };
}

function readFile(node: XmlElement, sigId: number): ContainerFile {
  const path = child(node, 'Path')?.text.trim() ?? '';
  if (path === '') throw new FormatError('I-F01', `container signature ${sigId}: File without Path`, { signature: sigId });
  const internal = childrenNamed(child(child(node, 'BinarySignatures'), 'InternalSignatureCollection'), 'InternalSignature');
  return {
    path,
    signatures: internal.map((s) => childrenNamed(s, 'ByteSequence').map((bs) => readByteSequence(bs, sigId))),
  };
}

/**
 * Container byte sequences use the PRONOM expression syntax (quoted text, spaces, alternatives),
 * sometimes with compiled-style fragments next to the Sequence. Fragments join the expression's
 * first (left) or last (right) segment.
 */
function readByteSequence(node: XmlElement, sigId: number): BytePattern {
  const ref = node.attrs['Reference'];
  const reference: Reference = ref === 'BOFoffset' ? 'BOF' : ref === 'EOFoffset' ? 'EOF' : 'variable';
  const subs = childrenNamed(node, 'SubSequence')
    .map((s) => ({ position: intValue(s.attrs['Position'] ?? '0', 'Position', SOURCE), node: s }))
    .sort((a, b) => a.position - b.position);
  const out: BytePattern = { reference, subSequences: [] };
  for (const [k, { node: s }] of subs.entries()) {
    const min = s.attrs['SubSeqMinOffset'] === undefined ? 0 : intValue(s.attrs['SubSeqMinOffset'], 'SubSeqMinOffset', SOURCE);
    const maxAttr = s.attrs['SubSeqMaxOffset'];
    const max = maxAttr === undefined ? null : Math.max(min, intValue(maxAttr, 'SubSeqMaxOffset', SOURCE));
    const segments = parseExpression(child(s, 'Sequence')?.text ?? '');
    const left: Token[] = fragmentTokens(childrenNamed(s, 'LeftFragment'), 'left', sigId);
    const right: Token[] = fragmentTokens(childrenNamed(s, 'RightFragment'), 'right', sigId);
    segments[0]!.tokens.unshift(...left);
    segments[segments.length - 1]!.tokens.push(...right);
    segments.forEach((seg, j) => {
      const first = j === 0;
      out.subSequences.push(subSequenceFromTokens(first ? min : seg.minGap, first ? max : null, seg.tokens));
    });
    if (reference === 'EOF' && k > 0) {
      throw new FormatError('I-F01', `container signature ${sigId}: chained EOF sequences are not supported`, { signature: sigId });
    }
  }
  if (out.subSequences.length === 0) {
    throw new FormatError('I-F01', `container signature ${sigId}: empty ByteSequence`, { signature: sigId });
  }
  return out;
}

// ---------------------------------------------------------------- reading a zip

/** yauzl's reader over a ByteSource: streams the requested range in bounded chunks. */
class ByteSourceReader extends yauzl.RandomAccessReader {
  constructor(private readonly source: ByteSource) {
    super();
  }
  override _readStreamForRange(start: number, end: number): Readable {
    const source = this.source;
    let pos = start;
    return new Readable({
      async read() {
        if (pos >= end) { this.push(null); return; }
        const n = Math.min(64 * 1024, end - pos);
        try {
          const chunk = await source.read(pos, n);
          pos += n;
          this.push(chunk);
        } catch (e) {
          this.destroy(e as Error);
        }
      },
    });
  }
}

/** PUIDs of the ZIP container signatures the file matches (possibly none). */
export async function matchZipContainer(source: ByteSource, sigs: ContainerSignatures = containerSignatures()): Promise<string[]> {
  const zip = await new Promise<ZipFile>((resolve, reject) => {
    yauzl.fromRandomAccessReader(new ByteSourceReader(source), source.size, { lazyEntries: true, autoClose: false }, (err, zf) =>
      err ? reject(err) : resolve(zf),
    );
  });
  try {
    const entries = await listEntries(zip, sigs.zipPaths);
    const contents = new Map<string, { head: Buffer; whole: boolean }>();
    const hits: string[] = [];
    for (const sig of sigs.signatures) {
      if (sig.type !== 'ZIP') continue;
      let ok = sig.files.length > 0;
      for (const f of sig.files) {
        const entry = entries.get(f.path);
        if (!entry) { ok = false; break; }
        if (f.signatures.length === 0) continue;
        let content = contents.get(f.path);
        if (!content) {
          content = await readEntryHead(zip, entry);
          contents.set(f.path, content);
        }
        const c = content;
        const any = f.signatures.some((patterns) =>
          patterns.every((p) => (p.reference === 'EOF' && !c.whole ? false : matches(p, c.head))),
        );
        if (!any) { ok = false; break; }
      }
      if (ok) hits.push(...sig.puids);
    }
    return [...new Set(hits)];
  } finally {
    zip.close();
  }
}

function listEntries(zip: ZipFile, wanted: ReadonlySet<string>): Promise<Map<string, Entry>> {
  return new Promise((resolve, reject) => {
    const found = new Map<string, Entry>();
    zip.on('entry', (e: Entry) => {
      if (wanted.has(e.fileName)) found.set(e.fileName, e);
      zip.readEntry();
    });
    zip.once('end', () => resolve(found));
    zip.once('error', reject);
    zip.readEntry();
  });
}

/** The first ENTRY_READ_CAP decompressed bytes of an entry, copied into one bounded buffer. */
function readEntryHead(zip: ZipFile, entry: Entry): Promise<{ head: Buffer; whole: boolean }> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err || !stream) { reject(err ?? new Error('no stream')); return; }
      const buf = Buffer.allocUnsafe(ENTRY_READ_CAP);
      let filled = 0;
      let done = false;
      const finish = (whole: boolean): void => {
        if (done) return;
        done = true;
        stream.destroy();
        resolve({ head: buf.subarray(0, filled), whole });
      };
      stream.on('data', (chunk: Buffer) => {
        const n = Math.min(chunk.length, ENTRY_READ_CAP - filled);
        chunk.copy(buf, filled, 0, n);
        filled += n;
        if (filled >= ENTRY_READ_CAP) finish(entry.uncompressedSize <= ENTRY_READ_CAP);
      });
      stream.on('end', () => finish(true));
      stream.on('error', (e) => { if (!done) { done = true; reject(e); } });
    });
  });
}

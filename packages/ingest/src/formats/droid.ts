/**
 * The DROID binary signature file (PRONOM), parsed once per process and compiled into matchers (or the
 * compiled form read back from the per-user cache, signature-cache.ts).
 *
 * The file is DROID's "compiled" form: each InternalSignature holds ByteSequences (anchored at
 * BOF, EOF, or variable when no Reference is given), each a chain of SubSequences with an offset
 * window (SubSeqMinOffset/SubSeqMaxOffset), a literal anchor (Sequence) and Left/RightFragments.
 * Fragments at the same Position are alternatives; a fragment's MinOffset/MaxOffset is the gap
 * between it and its neighbour towards the anchor. FileFormats list the signatures that identify
 * them, their extensions, and the formats they have priority over.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FormatError } from './errors.ts';
import { cachedCompile, signatureCacheDir } from './signature-cache.ts';
import { child, childrenNamed, intValue, parseXmlTree, type XmlElement } from './xmltree.ts';
import {
  makeSubSequence,
  matches,
  parseExpression,
  type BytePattern,
  type Reference,
  type SubSequence,
  type Token,
} from './pattern.ts';

export const DROID_SIGNATURE_FILE = fileURLToPath(
  new URL('../../vendor/pronom/DROID_SignatureFile_V118.xml', import.meta.url),
);

export interface FileFormat {
  /** PRONOM's internal id of the format, used by HasPriorityOverFileFormatID. */
  id: number;
  puid: string;
  name: string;
  version?: string;
  mime?: string;
  extensions: string[];
  signatureIds: number[];
  /** Ids of formats this one wins over when both match. */
  priorityOver: Set<number>;
}

export interface CompiledSignature {
  id: number;
  patterns: BytePattern[];
  /** A cheap first test: the byte that must be at this offset from BOF, if the signature fixes one. */
  gate: { offset: number; byte: number } | null;
  /**
   * Two-byte grams that must occur in the window (head, or tail for EOF patterns) for the
   * signature to match: every gram of each sub-sequence's anchor. Checked against a bitmap of
   * the grams present, they rule out most signatures in a few nanoseconds each. Each is the
   * gram, plus EOF_GRAM when it is looked for in the tail (plain numbers: some 27,000 of them
   * are derived at every load).
   */
  grams: number[];
  /** Bytes that must occur in the window likewise: the one-byte anchors, which have no gram. */
  bytes: { byte: number; eof: boolean }[];
}

export interface SignatureFile {
  version: string;
  created: string;
  formats: FileFormat[];
  signatures: CompiledSignature[];
  byId: Map<number, FileFormat>;
  byPuid: Map<string, FileFormat>;
  /** Formats identified by each signature. */
  formatsOfSignature: Map<number, FileFormat[]>;
  byExtension: Map<string, FileFormat[]>;
  /** Time the parse and compilation took, for the record. */
  loadMillis: number;
}

const SOURCE = 'DROID signature file';

/** Marks a gram of CompiledSignature.grams that must be in the tail window. */
const EOF_GRAM = 0x10000;

let cached: SignatureFile | undefined;

/** The shipped signature file, compiled on first use (or read from the per-user cache) and kept for the process. */
export function droidSignatures(): SignatureFile {
  cached ??= loadDroidSignatures(DROID_SIGNATURE_FILE, signatureCacheDir());
  return cached;
}

/**
 * What a parse yields and the cache keeps: the formats and each signature's patterns. The rest of a
 * SignatureFile (gates, grams, lookup maps) is derived from it in a few milliseconds at every load.
 */
interface ParsedSignatureFile {
  version: string;
  created: string;
  formats: FileFormat[];
  signatures: Pick<CompiledSignature, 'id' | 'patterns'>[];
}

/** Loads a signature file; with a `cacheDir`, through the compiled-signature cache there (signature-cache.ts). */
export function loadDroidSignatures(path: string, cacheDir: string | null = null): SignatureFile {
  const t0 = performance.now();
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new FormatError('I-F01', `cannot read signature file ${path}`, { path }, { cause: e });
  }
  const parse = (): ParsedSignatureFile => parseSignatureFile(bytes.toString('utf8'), path);
  const parsed = cachedCompile('droid', bytes, cacheDir, parse, isParsedSignatureFile);
  const formats = parsed.formats;
  const byId = new Map<number, FileFormat>();
  const byPuid = new Map<string, FileFormat>();
  const formatsOfSignature = new Map<number, FileFormat[]>();
  const byExtension = new Map<string, FileFormat[]>();
  for (const f of formats) {
    byId.set(f.id, f);
    byPuid.set(f.puid, f);
    for (const s of f.signatureIds) push(formatsOfSignature, s, f);
    for (const ext of f.extensions) push(byExtension, ext.toLowerCase(), f);
  }
  return {
    version: parsed.version,
    created: parsed.created,
    formats,
    signatures: parsed.signatures.map(({ id, patterns }) => ({
      id, patterns, gate: gateOf(patterns), grams: gramsOf(patterns), bytes: bytesOf(patterns),
    })),
    byId,
    byPuid,
    formatsOfSignature,
    byExtension,
    loadMillis: performance.now() - t0,
  };
}

function parseSignatureFile(xml: string, path: string): ParsedSignatureFile {
  // DefaultShift and Shift are Boyer-Moore tables for DROID's own searcher; not needed here.
  const root = parseXmlTree(xml, path, new Set(['Shift', 'DefaultShift']));
  if (root.name !== 'FFSignatureFile') throw new FormatError('I-F01', `${path} is not a DROID signature file`, { path });

  const signatures = childrenNamed(child(root, 'InternalSignatureCollection'), 'InternalSignature').map(compileSignature);
  const formats = childrenNamed(child(root, 'FileFormatCollection'), 'FileFormat').map(readFormat);
  if (signatures.length === 0 || formats.length === 0) {
    throw new FormatError('I-F01', `${path} holds no signatures or no formats`, { path });
  }
  return { version: root.attrs['Version'] ?? '', created: root.attrs['DateCreated'] ?? '', formats, signatures };
}

/**
 * The shape check of a cache entry. Its digest already rules out damage, so this guards against data of
 * another shape only: the top level, and each format and signature's fields that the loader reads.
 */
function isParsedSignatureFile(v: unknown): v is ParsedSignatureFile {
  if (typeof v !== 'object' || v === null) return false;
  const p = v as Partial<Record<keyof ParsedSignatureFile, unknown>>;
  return typeof p.version === 'string' && typeof p.created === 'string'
    && Array.isArray(p.formats) && p.formats.length > 0 && Array.isArray(p.signatures) && p.signatures.length > 0
    && p.formats.every((f: Partial<FileFormat> | null) => typeof f?.id === 'number' && typeof f.puid === 'string'
      && Array.isArray(f.extensions) && Array.isArray(f.signatureIds) && f.priorityOver instanceof Set)
    && p.signatures.every((s: Partial<CompiledSignature> | null) => typeof s?.id === 'number' && Array.isArray(s.patterns)
      && s.patterns.every((pat) => Array.isArray(pat.subSequences) && pat.subSequences.every((sub) => Buffer.isBuffer(sub.anchor))));
}

// Stamped maps of the two-byte grams and the bytes present in a window: a gram or byte is present when its entry
// equals the current stamp, so the maps never need clearing.
const headGrams = new Uint32Array(65536);
const tailGrams = new Uint32Array(65536);
const headBytes = new Uint32Array(256);
const tailBytes = new Uint32Array(256);
let stamp = 0;

function markWindow(grams: Uint32Array, bytes: Uint32Array, buf: Buffer, s: number): void {
  for (let i = 0; i + 1 < buf.length; i++) grams[(buf[i]! << 8) | buf[i + 1]!] = s;
  for (let i = 0; i < buf.length; i++) bytes[buf[i]!] = s;
}

/**
 * Where each signature's cheapest test lives, so a file is tested against the few signatures that can match
 * rather than all ~2,000: gated signatures by their gate's offset and byte, the others by their first gram.
 * Entries are positions in SignatureFile.signatures.
 */
interface SignatureIndex {
  gated: { offset: number; byByte: (number[] | undefined)[] }[];
  byGram: { gram: number; positions: number[] }[];
  /** Signatures with neither a gate nor a gram: always tried. */
  always: number[];
}

const indexes = new WeakMap<SignatureFile, SignatureIndex>();

function signatureIndex(file: SignatureFile): SignatureIndex {
  let index = indexes.get(file);
  if (index !== undefined) return index;
  const gated = new Map<number, (number[] | undefined)[]>();
  const byGram = new Map<number, { gram: number; positions: number[] }>();
  const always: number[] = [];
  file.signatures.forEach((sig, position) => {
    const gate = sig.gate;
    const gram = sig.grams[0];
    if (gate !== null) {
      const byByte = gated.get(gate.offset) ?? gated.set(gate.offset, []).get(gate.offset)!;
      (byByte[gate.byte] ??= []).push(position);
    } else if (gram !== undefined) {
      const group = byGram.get(gram) ?? byGram.set(gram, { gram, positions: [] }).get(gram)!;
      group.positions.push(position);
    } else {
      always.push(position);
    }
  });
  index = { gated: [...gated].map(([offset, byByte]) => ({ offset, byByte })), byGram: [...byGram.values()], always };
  indexes.set(file, index);
  return index;
}

/** Runs the signatures over the windows; returns the ids of those that match, in the file's order. */
export function matchSignatures(file: SignatureFile, head: Buffer, tail: Buffer): number[] {
  stamp = stamp === 0xffffffff ? 1 : stamp + 1;
  if (stamp === 1) { headGrams.fill(0); tailGrams.fill(0); headBytes.fill(0); tailBytes.fill(0); }
  const s = stamp;
  markWindow(headGrams, headBytes, head, s);
  const tailMap = tail === head ? headGrams : tailGrams;
  const tailByteMap = tail === head ? headBytes : tailBytes;
  if (tail !== head) markWindow(tailGrams, tailBytes, tail, s);
  const index = signatureIndex(file);
  const candidates: number[] = index.always.slice();
  for (let i = 0; i < index.gated.length; i++) {
    const { offset, byByte } = index.gated[i]!;
    const b = head[offset];
    const list = b === undefined ? undefined : byByte[b];
    if (list !== undefined) for (let j = 0; j < list.length; j++) candidates.push(list[j]!);
  }
  for (let i = 0; i < index.byGram.length; i++) {
    const g = index.byGram[i]!;
    if ((g.gram & EOF_GRAM ? tailMap : headGrams)[g.gram & 0xffff] === s) for (let j = 0; j < g.positions.length; j++) candidates.push(g.positions[j]!);
  }
  const hits: number[] = [];
  // A typed array sorts numerically and natively: the signatures are tried in the file's order.
  for (const position of Int32Array.from(candidates).sort()) {
    const sig = file.signatures[position]!;
    let present = true;
    for (const g of sig.grams) {
      if ((g & EOF_GRAM ? tailMap : headGrams)[g & 0xffff] !== s) { present = false; break; }
    }
    if (!present) continue;
    for (const b of sig.bytes) {
      if ((b.eof ? tailByteMap : headBytes)[b.byte] !== s) { present = false; break; }
    }
    if (!present) continue;
    let all = true;
    for (const p of sig.patterns) {
      if (!matches(p, p.reference === 'EOF' ? tail : head)) { all = false; break; }
    }
    if (all) hits.push(sig.id);
  }
  return hits;
}

/** DROID's rule: drop every hit that another hit has priority over. */
export function applyPriorities(hits: readonly FileFormat[]): FileFormat[] {
  return hits.filter((f) => !hits.some((g) => g !== f && g.priorityOver.has(f.id)));
}

// ---------------------------------------------------------------- compilation

function compileSignature(node: XmlElement): ParsedSignatureFile['signatures'][number] {
  const id = intValue(node.attrs['ID'], 'InternalSignature ID', SOURCE);
  const patterns = childrenNamed(node, 'ByteSequence').map((bs) => compileByteSequence(bs, id));
  // Check the cheapest patterns first: a short fixed BOF window fails fastest.
  patterns.sort((a, b) => cost(a) - cost(b));
  return { id, patterns };
}

export function compileByteSequence(node: XmlElement, sigId: number): BytePattern {
  const ref = node.attrs['Reference'];
  const reference: Reference = ref === 'BOFoffset' ? 'BOF' : ref === 'EOFoffset' ? 'EOF' : 'variable';
  if (ref !== undefined && reference === 'variable' && ref !== 'Variable') {
    throw new FormatError('I-F01', `signature ${sigId}: unsupported Reference "${String(ref)}"`, { signature: sigId });
  }
  const subs = childrenNamed(node, 'SubSequence')
    .map((s) => ({ position: intValue(s.attrs['Position'], 'Position', SOURCE), sub: compileSubSequence(s, sigId) }))
    .sort((a, b) => a.position - b.position)
    .map((s) => s.sub);
  if (subs.length === 0) throw new FormatError('I-F01', `signature ${sigId}: empty ByteSequence`, { signature: sigId });
  return { reference, subSequences: subs };
}

function compileSubSequence(node: XmlElement, sigId: number): SubSequence {
  const seq = child(node, 'Sequence')?.text ?? '';
  const parsed = parseExpression(seq);
  const only = parsed.length === 1 && parsed[0]!.tokens.length === 1 ? parsed[0]!.tokens[0]! : undefined;
  if (only?.kind !== 'bytes') {
    throw new FormatError('I-F01', `signature ${sigId}: anchor sequence is not literal bytes`, { signature: sigId });
  }
  const anchor = Buffer.from(only.bytes);
  const { SubSeqMinOffset: minAttr, SubSeqMaxOffset: maxAttr } = node.attrs;
  const min = minAttr === undefined ? 0 : intValue(minAttr, 'SubSeqMinOffset', SOURCE);
  const max = maxAttr === undefined ? null : Math.max(min, intValue(maxAttr, 'SubSeqMaxOffset', SOURCE));
  const left = fragmentTokens(childrenNamed(node, 'LeftFragment'), 'left', sigId);
  const right = fragmentTokens(childrenNamed(node, 'RightFragment'), 'right', sigId);
  return makeSubSequence(min, max, left, anchor, right);
}

/**
 * Fragments become tokens in file order. Each position is an alternative of its fragments,
 * each with its own gap towards the anchor: on the right the gap comes first, on the left last.
 */
export function fragmentTokens(nodes: XmlElement[], side: 'left' | 'right', sigId: number): Token[] {
  const byPosition = new Map<number, { min: number; max: number; body: Token[] }[]>();
  for (const n of nodes) {
    const position = intValue(n.attrs['Position'], 'Position', SOURCE);
    const min = intValue(n.attrs['MinOffset'], 'MinOffset', SOURCE);
    const max = Math.max(min, intValue(n.attrs['MaxOffset'], 'MaxOffset', SOURCE));
    const parsed = parseExpression(n.text);
    if (parsed.length !== 1) {
      throw new FormatError('I-F01', `signature ${sigId}: unbounded gap inside a fragment`, { signature: sigId });
    }
    push(byPosition, position, { min, max, body: parsed[0]!.tokens });
  }
  // Positions count outwards from the anchor; in file order the left side's farthest comes first.
  const positions = [...byPosition.keys()].sort((a, b) => (side === 'right' ? a - b : b - a));
  const tokens: Token[] = [];
  for (const p of positions) {
    const options = byPosition.get(p)!;
    const first = options[0]!;
    const gap: Token[] = first.min === 0 && first.max === 0 ? [] : [{ kind: 'gap', min: first.min, max: first.max }];
    const set = options.length > 1 && options.every((o) => o.min === first.min && o.max === first.max) ? singleByteSet(options) : null;
    if (options.length === 1 || set) {
      // One fragment, or alternatives of single bytes (as DROID does, folded into one byte set).
      const body = set ? [set] : first.body;
      tokens.push(...(side === 'right' ? [...gap, ...body] : [...body, ...gap]));
    } else {
      tokens.push({
        kind: 'alt',
        options: options.map((o) => {
          const g: Token[] = o.min === 0 && o.max === 0 ? [] : [{ kind: 'gap', min: o.min, max: o.max }];
          return side === 'right' ? [...g, ...o.body] : [...o.body, ...g];
        }),
      });
    }
  }
  return tokens;
}

/** The union of alternatives that are each one byte, or null when one is longer. */
function singleByteSet(options: { body: Token[] }[]): Token | null {
  const accept = new Uint8Array(256);
  for (const o of options) {
    const t = o.body[0];
    if (o.body.length !== 1 || !t) return null;
    if (t.kind === 'bytes' && t.bytes.length === 1) accept[t.bytes[0]!] = 1;
    else if (t.kind === 'set') for (let b = 0; b < 256; b++) accept[b] = accept[b]! | t.accept[b]!;
    else return null;
  }
  return { kind: 'set', accept };
}

function readFormat(node: XmlElement): FileFormat {
  const a = node.attrs;
  const f: FileFormat = {
    id: intValue(a['ID'], 'FileFormat ID', SOURCE),
    puid: a['PUID'] ?? '',
    name: a['Name'] ?? '',
    extensions: childrenNamed(node, 'Extension').map((e) => e.text.trim()),
    signatureIds: childrenNamed(node, 'InternalSignatureID').map((e) => intValue(e.text, 'InternalSignatureID', SOURCE)),
    priorityOver: new Set(
      childrenNamed(node, 'HasPriorityOverFileFormatID').map((e) => intValue(e.text, 'HasPriorityOverFileFormatID', SOURCE)),
    ),
  };
  if (!/^(x-)?fmt\/\d+$/.test(f.puid)) throw new FormatError('I-F01', `format ${f.id} has a bad PUID "${f.puid}"`, { format: f.id });
  if (a['Version'] !== undefined) f.version = a['Version'];
  if (a['MIMEType'] !== undefined) f.mime = a['MIMEType'];
  return f;
}

function cost(p: BytePattern): number {
  const first = p.subSequences[0]!;
  const window = first.maxOffset === null || p.reference === 'variable' ? 1e9 : first.maxOffset - first.minOffset;
  return window + p.subSequences.length;
}

/** A byte fixed at a known BOF offset: the first anchor byte of a BOF pattern pinned in place. */
function gateOf(patterns: BytePattern[]): CompiledSignature['gate'] {
  for (const p of patterns) {
    const first = p.subSequences[0]!;
    if (p.reference === 'BOF' && first.maxOffset === first.minOffset && first.leftMax === 0 && first.anchor.length > 0) {
      return { offset: first.minOffset, byte: first.anchor[0]! };
    }
  }
  return null;
}

function gramsOf(patterns: BytePattern[]): CompiledSignature['grams'] {
  const grams: CompiledSignature['grams'] = [];
  for (const p of patterns) {
    const eof = p.reference === 'EOF' ? EOF_GRAM : 0;
    for (const sub of p.subSequences) {
      // Every gram of the anchor, not just its first: text files hold most two-letter starts of ASCII anchors.
      for (let i = 0; i + 1 < sub.anchor.length; i++) {
        const gram = ((sub.anchor[i]! << 8) | sub.anchor[i + 1]!) | eof;
        if (!grams.includes(gram)) grams.push(gram);
      }
    }
  }
  return grams;
}

function bytesOf(patterns: BytePattern[]): CompiledSignature['bytes'] {
  const out: CompiledSignature['bytes'] = [];
  for (const p of patterns) {
    for (const sub of p.subSequences) if (sub.anchor.length === 1) out.push({ byte: sub.anchor[0]!, eof: p.reference === 'EOF' });
  }
  return out;
}

// ---------------------------------------------------------------- small helpers

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * Byte patterns of PRONOM signatures and their matcher.
 *
 * A signature's byte sequence is a chain of sub-sequences. Each sub-sequence has an "anchor"
 * (a run of literal bytes, found with Buffer.indexOf, which is native and fast) and tokens to
 * its left and right (byte sets, bounded gaps, alternatives) that are checked only around an
 * anchor hit. Between sub-sequences lies an offset window (`minOffset`..`maxOffset`, open-ended
 * when `maxOffset` is null). This is the shape of DROID's compiled signature file, and the
 * PRONOM expression syntax of the container file is compiled into the same shape.
 */
import { FormatError } from './errors.ts';

export type Token =
  | { kind: 'bytes'; bytes: Uint8Array }
  /** One byte out of a set: `accept[b] === 1`. */
  | { kind: 'set'; accept: Uint8Array }
  | { kind: 'gap'; min: number; max: number }
  | { kind: 'alt'; options: Token[][] };

export interface SubSequence {
  /** Distance allowed between the marker (BOF, EOF or the previous sub-sequence) and this one. */
  minOffset: number;
  maxOffset: number | null;
  left: Token[];
  anchor: Buffer;
  right: Token[];
  leftMin: number;
  leftMax: number;
  rightMin: number;
  rightMax: number;
}

export type Reference = 'BOF' | 'EOF' | 'variable';

export interface BytePattern {
  reference: Reference;
  subSequences: SubSequence[];
}

// ---------------------------------------------------------------- expression syntax

/**
 * Parses a PRONOM/DROID byte expression: hex bytes (spaces allowed), 'text', `??`, `[..]` sets
 * (ranges with `:` or `-`, `!` negation, `&xx` all-bits and `~xx` any-bit masks), `(a|b)`
 * alternatives, `{n}` and `{n-m}` gaps. A set holds single bytes: `[!0000]` is "one byte that is
 * not 00", as DROID reads it (its rewriter turns `[!..]` into an inverted byte class).
 * Unbounded gaps (`*`, `{n-*}`) split the expression into chained sub-sequences, returned as
 * segments with the minimum gap that precedes each.
 */
export function parseExpression(expr: string): { minGap: number; tokens: Token[] }[] {
  const p = new ExpressionParser(expr);
  const segments = p.parseSegments();
  return segments;
}

class ExpressionParser {
  private i = 0;
  constructor(private readonly s: string) {}

  parseSegments(): { minGap: number; tokens: Token[] }[] {
    const segments: { minGap: number; tokens: Token[] }[] = [];
    let current: Token[] = [];
    let minGap = 0;
    for (;;) {
      const items = this.parseSequence(true);
      current.push(...items.tokens);
      if (items.unbounded === null) break;
      segments.push({ minGap, tokens: current });
      current = [];
      minGap = items.unbounded;
    }
    segments.push({ minGap, tokens: current });
    if (this.i < this.s.length) this.fail('unexpected character');
    return segments;
  }

  /** Reads tokens until end, `|` or `)`; at top level stops at an unbounded gap and reports it. */
  private parseSequence(topLevel: boolean): { tokens: Token[]; unbounded: number | null } {
    const tokens: Token[] = [];
    // Literal bytes are collected here and become one token when something else follows.
    let literal: number[] = [];
    const flush = (): void => {
      if (literal.length > 0) tokens.push({ kind: 'bytes', bytes: Buffer.from(literal) });
      literal = [];
    };
    const result = (unbounded: number | null): { tokens: Token[]; unbounded: number | null } => {
      flush();
      return { tokens, unbounded };
    };
    while (this.i < this.s.length) {
      const c = this.s[this.i]!;
      if (c === ' ' || c === '\n' || c === '\t' || c === '\r') {
        this.i++;
      } else if (c === '|' || c === ')') {
        break;
      } else if (c === "'") {
        const end = this.s.indexOf("'", this.i + 1);
        if (end < 0) this.fail('unterminated string');
        for (let k = this.i + 1; k < end; k++) literal.push(this.s.charCodeAt(k) & 0xff);
        this.i = end + 1;
      } else if (c === '?' && this.s[this.i + 1] === '?') {
        flush();
        tokens.push({ kind: 'gap', min: 1, max: 1 });
        this.i += 2;
      } else if (c === '[') {
        flush();
        tokens.push(this.parseSet());
      } else if (c === '(') {
        flush();
        this.i++;
        const options: Token[][] = [];
        for (;;) {
          options.push(this.parseSequence(false).tokens);
          if (this.s[this.i] === '|') { this.i++; continue; }
          if (this.s[this.i] === ')') { this.i++; break; }
          this.fail('unterminated alternative');
        }
        tokens.push({ kind: 'alt', options });
      } else if (c === '*') {
        this.i++;
        if (!topLevel) this.fail('unbounded gap inside an alternative');
        return result(0);
      } else if (c === '{') {
        flush();
        const end = this.s.indexOf('}', this.i);
        if (end < 0) this.fail('unterminated gap');
        const body = this.s.slice(this.i + 1, end);
        this.i = end + 1;
        const m = /^(\d+)(?:-(\d+|\*))?$/.exec(body);
        if (!m) this.fail(`bad gap {${body}}`);
        const min = Number(m![1]);
        if (m![2] === '*') {
          if (!topLevel) this.fail('unbounded gap inside an alternative');
          return result(min);
        }
        const max = m![2] === undefined ? min : Number(m![2]);
        if (max < min) this.fail(`bad gap {${body}}`);
        tokens.push({ kind: 'gap', min, max });
      } else if (isHex(c)) {
        literal.push(this.hexByte());
      } else {
        this.fail(`unexpected '${c}'`);
      }
    }
    return result(null);
  }

  private parseSet(): Token {
    this.i++; // [
    let negate = false;
    if (this.s[this.i] === '!' || this.s[this.i] === '^') { negate = true; this.i++; }
    const accept = new Uint8Array(256);
    while (this.i < this.s.length && this.s[this.i] !== ']') {
      const c = this.s[this.i]!;
      if (c === ' ') { this.i++; continue; }
      if (c === '&' || c === '~') {
        this.i++;
        const mask = this.hexByte();
        for (let b = 0; b < 256; b++) {
          if (c === '&' ? (b & mask) === mask : (b & mask) !== 0) accept[b] = 1;
        }
        continue;
      }
      const lo = this.setValue();
      if (this.s[this.i] === ':' || this.s[this.i] === '-') {
        this.i++;
        const hi = this.setValue();
        for (let b = Math.min(lo, hi); b <= Math.max(lo, hi); b++) accept[b] = 1;
      } else {
        accept[lo] = 1;
      }
    }
    if (this.s[this.i] !== ']') this.fail('unterminated set');
    this.i++;
    if (negate) for (let b = 0; b < 256; b++) accept[b] = accept[b] ? 0 : 1;
    return { kind: 'set', accept };
  }

  private setValue(): number {
    if (this.s[this.i] === "'") {
      const ch = this.s.charCodeAt(this.i + 1);
      if (this.s[this.i + 2] !== "'" || ch > 255) this.fail('bad character in set');
      this.i += 3;
      return ch;
    }
    return this.hexByte();
  }

  private hexByte(): number {
    const hi = hexDigit(this.s.charCodeAt(this.i));
    const lo = hexDigit(this.s.charCodeAt(this.i + 1));
    if (hi < 0 || lo < 0) this.fail('expected a hex byte');
    this.i += 2;
    return (hi << 4) | lo;
  }

  private fail(why: string): never {
    throw new FormatError('I-F01', `bad byte expression "${this.s}": ${why} at ${this.i}`, {
      expression: this.s.slice(0, 200),
    });
  }
}

function isHex(c: string): boolean {
  return hexDigit(c.charCodeAt(0)) >= 0;
}

function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 70) return code - 55;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

// ---------------------------------------------------------------- building sub-sequences

export function tokenLength(tokens: readonly Token[]): { min: number; max: number } {
  let min = 0;
  let max = 0;
  for (const t of tokens) {
    switch (t.kind) {
      case 'bytes': min += t.bytes.length; max += t.bytes.length; break;
      case 'set': min += 1; max += 1; break;
      case 'gap': min += t.min; max += t.max; break;
      case 'alt': {
        let amin = Infinity;
        let amax = 0;
        for (const o of t.options) {
          const l = tokenLength(o);
          amin = Math.min(amin, l.min);
          amax = Math.max(amax, l.max);
        }
        min += amin === Infinity ? 0 : amin;
        max += amax;
      }
    }
  }
  return { min, max };
}

export function makeSubSequence(
  minOffset: number,
  maxOffset: number | null,
  left: Token[],
  anchor: Buffer,
  right: Token[],
): SubSequence {
  const l = tokenLength(left);
  const r = tokenLength(right);
  return {
    minOffset, maxOffset, left, anchor, right,
    leftMin: l.min, leftMax: l.max, rightMin: r.min, rightMax: r.max,
  };
}

/**
 * Turns a parsed token run into a sub-sequence by choosing its longest literal run as the anchor.
 * A run with no literal bytes gets an empty anchor and is tried at every allowed position.
 */
export function subSequenceFromTokens(minOffset: number, maxOffset: number | null, tokens: Token[]): SubSequence {
  let best = -1;
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (t.kind === 'bytes' && (best < 0 || t.bytes.length > (tokens[best] as { bytes: Uint8Array }).bytes.length)) best = k;
  }
  if (best < 0) return makeSubSequence(minOffset, maxOffset, [], Buffer.alloc(0), tokens);
  const anchor = Buffer.from((tokens[best] as { bytes: Uint8Array }).bytes);
  return makeSubSequence(minOffset, maxOffset, tokens.slice(0, best), anchor, tokens.slice(best + 1));
}

/** Compiles an expression anchored at `reference` with the first sub-sequence's offset window. */
export function compileExpression(
  reference: Reference,
  expr: string,
  minOffset: number,
  maxOffset: number | null,
): BytePattern {
  const segments = parseExpression(expr);
  const subSequences = segments.map((seg, k) =>
    k === 0
      ? subSequenceFromTokens(minOffset, maxOffset, seg.tokens)
      : subSequenceFromTokens(seg.minGap, null, seg.tokens),
  );
  // Read from EOF, the chain is walked backwards: the window of the last segment is the one
  // measured from EOF, and each earlier segment's gap is measured to the one after it.
  if (reference === 'EOF' && subSequences.length > 1) {
    const gaps = segments.map((s) => s.minGap);
    for (let k = 0; k < subSequences.length; k++) {
      const sub = subSequences[k]!;
      if (k === subSequences.length - 1) { sub.minOffset = minOffset; sub.maxOffset = maxOffset; }
      else { sub.minOffset = gaps[k + 1]!; sub.maxOffset = null; }
    }
  }
  return { reference, subSequences };
}

// ---------------------------------------------------------------- matching

type Cont = (pos: number) => boolean;

/** A bounded gap wider than this, next to literal bytes, is crossed by native search rather than byte by byte. */
const LONG_GAP = 32;

/** Matches tokens[i..] forwards from `pos`; on success calls `k` with the end (backtracking). */
function forward(tokens: readonly Token[], i: number, buf: Buffer, pos: number, k: Cont): boolean {
  for (; i < tokens.length; i++) {
    const t = tokens[i]!;
    switch (t.kind) {
      case 'bytes': {
        const b = t.bytes;
        if (pos + b.length > buf.length) return false;
        for (let j = 0; j < b.length; j++) if (buf[pos + j] !== b[j]) return false;
        pos += b.length;
        break;
      }
      case 'set':
        if (pos >= buf.length || t.accept[buf[pos]!] !== 1) return false;
        pos += 1;
        break;
      case 'gap': {
        if (t.min === t.max) { pos += t.min; if (pos > buf.length) return false; break; }
        // Only a gap whose end fits the next token's first byte can succeed; the rest are skipped unrecursed.
        const next = tokens[i + 1];
        if (next?.kind === 'bytes' && next.bytes.length > 0 && t.max - t.min > LONG_GAP) {
          // A long gap before literal bytes: a native search, bounded to where they may lie, finds each place they fit.
          const from = pos + t.min;
          const window = buf.subarray(Math.min(from, buf.length), Math.min(buf.length, pos + t.max + next.bytes.length));
          for (let at = window.indexOf(next.bytes); at >= 0; at = window.indexOf(next.bytes, at + 1)) {
            if (forward(tokens, i + 1, buf, from + at, k)) return true;
          }
          return false;
        }
        const first = next?.kind === 'bytes' ? next.bytes[0] : undefined;
        const set = next?.kind === 'set' ? next.accept : undefined;
        for (let g = t.min; g <= t.max && pos + g <= buf.length; g++) {
          const at = pos + g;
          if (first !== undefined ? buf[at] !== first : set !== undefined && (at >= buf.length || set[buf[at]!] !== 1)) continue;
          if (forward(tokens, i + 1, buf, at, k)) return true;
        }
        return false;
      }
      case 'alt': {
        const next = i + 1;
        for (const o of t.options) {
          if (forward(o, 0, buf, pos, (p) => forward(tokens, next, buf, p, k))) return true;
        }
        return false;
      }
    }
  }
  return k(pos);
}

/** Matches tokens[..i] backwards, ending just before `pos`; calls `k` with the start. */
function backward(tokens: readonly Token[], i: number, buf: Buffer, pos: number, k: Cont): boolean {
  for (; i >= 0; i--) {
    const t = tokens[i]!;
    switch (t.kind) {
      case 'bytes': {
        const b = t.bytes;
        const start = pos - b.length;
        if (start < 0) return false;
        for (let j = 0; j < b.length; j++) if (buf[start + j] !== b[j]) return false;
        pos = start;
        break;
      }
      case 'set':
        if (pos <= 0 || t.accept[buf[pos - 1]!] !== 1) return false;
        pos -= 1;
        break;
      case 'gap': {
        if (t.min === t.max) { pos -= t.min; if (pos < 0) return false; break; }
        // Only a gap whose start fits the previous token's last byte can succeed; the rest are skipped unrecursed.
        const prev = tokens[i - 1];
        if (prev?.kind === 'bytes' && prev.bytes.length > 0 && t.max - t.min > LONG_GAP) {
          const n = prev.bytes.length;
          const lo = Math.max(0, pos - t.max - n);
          const window = buf.subarray(lo, Math.max(lo, pos - t.min));
          // lastIndexOf reads a negative offset from the end, so the search stops before one.
          for (let start = window.length - n; start >= 0; start--) {
            start = window.lastIndexOf(prev.bytes, start);
            if (start < 0) break;
            if (backward(tokens, i - 1, buf, lo + start + n, k)) return true;
          }
          return false;
        }
        const last = prev?.kind === 'bytes' ? prev.bytes[prev.bytes.length - 1] : undefined;
        const set = prev?.kind === 'set' ? prev.accept : undefined;
        for (let g = t.min; g <= t.max && pos - g >= 0; g++) {
          const at = pos - g - 1;
          if (last !== undefined ? buf[at] !== last : set !== undefined && (at < 0 || set[buf[at]!] !== 1)) continue;
          if (backward(tokens, i - 1, buf, pos - g, k)) return true;
        }
        return false;
      }
      case 'alt': {
        const next = i - 1;
        for (const o of t.options) {
          if (backward(o, o.length - 1, buf, pos, (p) => backward(tokens, next, buf, p, k))) return true;
        }
        return false;
      }
    }
  }
  return k(pos);
}

/**
 * Finds the first match of `sub` whose start lies in [lo, hi] (forwards). Returns its end or -1.
 */
function findForward(sub: SubSequence, buf: Buffer, lo: number, hi: number): number {
  const len = sub.anchor.length;
  let a = lo + sub.leftMin;
  const last = Math.min(hi + sub.leftMax, buf.length - len - sub.rightMin);
  let end = -1;
  // The continuations are unnamed inline arrows: under tsx a named local function is re-wrapped on every call.
  while (a <= last) {
    if (len > 0) {
      a = buf.indexOf(sub.anchor, a);
      if (a < 0 || a > last) return -1;
    }
    const right = a + len;
    if (backward(sub.left, sub.left.length - 1, buf, a, (s) => s >= lo && s <= hi && forward(sub.right, 0, buf, right, (e) => { end = e; return true; }))) return end;
    a++;
  }
  return -1;
}

/**
 * Finds the match of `sub` nearest the end whose end lies in [lo, hi] (backwards). Returns its
 * start or -1.
 */
function findBackward(sub: SubSequence, buf: Buffer, lo: number, hi: number): number {
  const len = sub.anchor.length;
  let a = hi - sub.rightMin - len;
  const first = Math.max(lo - sub.rightMax - len, sub.leftMin);
  let start = -1;
  while (a >= first) {
    if (len > 0) {
      a = buf.lastIndexOf(sub.anchor, a);
      if (a < 0 || a < first) return -1;
    }
    const left = a;
    if (forward(sub.right, 0, buf, a + len, (e) => e >= lo && e <= hi && backward(sub.left, sub.left.length - 1, buf, left, (s) => { start = s; return true; }))) return start;
    a--;
  }
  return -1;
}

/**
 * Does the pattern match? `buf` holds the bytes the pattern may look at: for BOF and variable
 * patterns the start of the file, for EOF patterns the end of the file (its last byte is EOF).
 * Like DROID, each sub-sequence takes its first acceptable match; a variable pattern's first
 * sub-sequence may lie anywhere at or after its minimum offset.
 */
export function matches(pattern: BytePattern, buf: Buffer): boolean {
  const subs = pattern.subSequences;
  if (pattern.reference === 'EOF') {
    let marker = buf.length;
    for (let k = subs.length - 1; k >= 0; k--) {
      const sub = subs[k]!;
      const lo = sub.maxOffset === null ? 0 : marker - sub.maxOffset;
      const start = findBackward(sub, buf, Math.max(0, lo), marker - sub.minOffset);
      if (start < 0) return false;
      marker = start;
    }
    return true;
  }
  let marker = 0;
  for (let k = 0; k < subs.length; k++) {
    const sub = subs[k]!;
    const bounded = sub.maxOffset !== null && !(k === 0 && pattern.reference === 'variable');
    const hi = bounded ? marker + sub.maxOffset! : buf.length;
    const end = findForward(sub, buf, marker + sub.minOffset, hi);
    if (end < 0) return false;
    marker = end;
  }
  return true;
}

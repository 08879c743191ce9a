import { describe, expect, it } from 'vitest';
import { isBevaraError } from '@bevara/storage';
import { compileExpression, matches, parseExpression } from './pattern.ts';

const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');
const bof = (expr: string, min = 0, max: number | null = 0) => compileExpression('BOF', expr, min, max);

describe('parseExpression', () => {
  it('reads hex with spaces, quoted text, sets, gaps and alternatives', () => {
    const [seg] = parseExpression("4D 5A 'PE' [00:1F] ?? {2} {1-3} (01|0203) [!00] [&01]");
    expect(seg!.tokens.map((t) => t.kind)).toEqual(['bytes', 'set', 'gap', 'gap', 'gap', 'alt', 'set', 'set']);
  });

  it('splits at unbounded gaps and keeps their minimum', () => {
    const segs = parseExpression('41 * 42 {5-*} 43');
    expect(segs.map((s) => s.minGap)).toEqual([0, 0, 5]);
  });

  it('rejects malformed expressions with I-F01', () => {
    for (const bad of ['4', '[00', '(01|02', '{3-1}', 'ZZ', "'open"]) {
      let err: unknown;
      try { parseExpression(bad); } catch (e) { err = e; }
      expect(isBevaraError(err, 'I-F01'), bad).toBe(true);
    }
  });
});

describe('matches', () => {
  it('anchors at BOF within the offset window', () => {
    expect(matches(bof('50 4B 03 04'), bytes('PK\x03\x04rest'))).toBe(true);
    expect(matches(bof('50 4B 03 04'), bytes('xPK\x03\x04'))).toBe(false);
    expect(matches(bof('50 4B 03 04', 0, 4), bytes('xxxPK\x03\x04'))).toBe(true);
    expect(matches(bof('50 4B 03 04', 2, 4), bytes('PK\x03\x04PK'))).toBe(false);
  });

  it('anchors at EOF, measured from the last byte', () => {
    const p = compileExpression('EOF', "'%%EOF' [0A:0D]", 0, 2);
    expect(matches(p, bytes('...%%EOF\n'))).toBe(true);
    expect(matches(p, bytes('...%%EOF\n\n\n'))).toBe(true);
    expect(matches(p, bytes('...%%EOF\n\n\n\n'))).toBe(false);
  });

  it('finds variable sequences anywhere, in order', () => {
    const p = compileExpression('variable', "'abc' * 'xyz'", 0, null);
    expect(matches(p, bytes('----abc--xyz'))).toBe(true);
    expect(matches(p, bytes('----xyz--abc'))).toBe(false);
  });

  it('handles wildcards, bounded gaps, ranges, negation and alternatives', () => {
    expect(matches(bof("'A' ?? 'C'"), bytes('AxC'))).toBe(true);
    expect(matches(bof("'A' {1-3} 'C'"), bytes('AxxxC'))).toBe(true);
    expect(matches(bof("'A' {1-3} 'C'"), bytes('AxxxxC'))).toBe(false);
    expect(matches(bof("'v' [30:39]"), bytes('v7'))).toBe(true);
    expect(matches(bof("'v' [30:39]"), bytes('vx'))).toBe(false);
    expect(matches(bof("'v' [!00]"), bytes('v\x00'))).toBe(false);
    expect(matches(bof("'v' ('1.0'|'1.1') 'z'"), bytes('v1.1z'))).toBe(true);
    expect(matches(bof("'v' ('1.0'|'1.1') 'z'"), bytes('v1.2z'))).toBe(false);
    expect(matches(bof("[&81] 'x'"), Buffer.from([0x83, 0x78]))).toBe(true);
    expect(matches(bof("[&81] 'x'"), Buffer.from([0x03, 0x78]))).toBe(false);
  });

  it('backtracks through a gap to find a later fit', () => {
    expect(matches(bof("'A' {0-5} 'BC'"), bytes('ABxBC'))).toBe(true);
  });

  it('crosses long gaps by search, trying every place the bytes fit, nearest first', () => {
    // Right of the anchor (the longest literal): the first 'BC' after the gap is followed by the wrong byte, a later one fits.
    const right = bof("'ANCHOR' {2-60} 'BC' [44]");
    expect(matches(right, bytes(`ANCHOR${'x'.repeat(10)}BCx${'y'.repeat(20)}BCD`))).toBe(true);
    expect(matches(right, bytes(`ANCHORBCD${'x'.repeat(70)}`))).toBe(false); // closer than the gap's minimum
    expect(matches(right, bytes(`ANCHOR${'x'.repeat(61)}BCD`))).toBe(false); // farther than its maximum
    expect(matches(right, bytes(`ANCHOR${'x'.repeat(60)}BCD`))).toBe(true);
    // Left of the anchor (the longest literal), matched backwards: the nearest 'QB' does not start at BOF, a farther one does.
    const left = bof("'QB' {2-60} 'ANCHOR'");
    expect(matches(left, bytes(`QB${'y'.repeat(20)}QB${'x'.repeat(10)}ANCHOR`))).toBe(true);
    expect(matches(left, bytes(`xQB${'x'.repeat(10)}ANCHOR`))).toBe(false);
    expect(matches(left, bytes(`QB${'x'.repeat(61)}ANCHOR`))).toBe(false);
    expect(matches(left, bytes(`QB${'x'.repeat(60)}ANCHOR`))).toBe(true);
    expect(matches(left, bytes(`B${'x'.repeat(10)}ANCHOR`))).toBe(false); // 'Q' would lie before the buffer
  });
});

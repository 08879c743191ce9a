import { describe, expect, it } from 'vitest';
import { assessSecrecy, type Marking } from './assess.ts';
import { parseCitation } from './citation.ts';
import { defaultProvisions } from './provisions.ts';

const table = defaultProvisions();
const now = new Date('2026-11-23T12:00:00Z');
const rec = (ground: string | null, extra: Partial<Marking> = {}): Marking => ({ ground, on: 'record', ...extra });

describe('parseCitation', () => {
  it.each([
    ['OSL 26 kap. 1 §', { chapter: 26, section: 1 }],
    ['26 kap. 1 § offentlighets- och sekretesslagen (2009:400)', { chapter: 26, section: 1 }],
    ['OSL 26:1', { chapter: 26, section: 1 }],
    ['SFS 2009:400 39 kap 3 §', { chapter: 39, section: 3 }],
    ['26:5 OSL', { chapter: 26, section: 5 }],
    ['Offentlighets- och sekretesslagen 39 kap 3 § 2 st', { chapter: 39, section: 3, paragraph: 2 }],
    ['Sekretesslagen 7 kap. 4 §', { chapter: 7, section: 4 }],
  ])('reads %s', (text, expected) => {
    expect(parseCitation(text)).toEqual(expected);
  });

  it.each([[''], ['Sekretess'], ['26 kap. 1 §'], ['enligt lag'], ['GDPR art. 9'], [null]])('refuses %s', (text) => {
    expect(parseCitation(text)).toBeNull();
  });
});

describe('assessSecrecy', () => {
  it('is public with no markings', () => {
    expect(assessSecrecy([], '2020-01-01', now, table)).toMatchObject({ status: 'public', until: null });
  });

  it('withholds under OSL 26:1 for 70 years from the record date', () => {
    const a = assessSecrecy([rec('OSL 26 kap. 1 §')], '2020-03-15', now, table);
    expect(a).toMatchObject({ status: 'withheld', until: '2090-03-15' });
  });

  it('releases once the maximum time has passed, computed when asked', () => {
    const a = assessSecrecy([rec('OSL 19 kap. 3 §')], '2000-05-01', now, table);
    expect(a.status).toBe('public');
    expect(a.markings[0]?.state).toBe('lapsed');
    expect(assessSecrecy([rec('OSL 19 kap. 3 §')], '2000-05-01', new Date('2020-04-30T00:00:00Z'), table).status).toBe('withheld');
  });

  it("counts from the marking's own date when it gives one", () => {
    expect(assessSecrecy([rec('OSL 32:4', { from: '2010-01-01' })], '1990-01-01', now, table)).toMatchObject({ status: 'withheld', until: '2030-01-01' });
  });

  it('never falls back to the record date when the marking states a start date that cannot be read', () => {
    const a = assessSecrecy([rec('OSL 19 kap. 3 §', { from: 'snart' })], '1990-01-01', now, table);
    expect(a).toMatchObject({ status: 'withheld', until: null });
    expect(a.markings[0]?.reason).toContain('"snart", cannot be read');
  });

  it('withholds pending review when the ground is missing or unreadable, and never releases it by time', () => {
    for (const ground of [null, 'Sekretess enligt lag', '']) {
      const a = assessSecrecy([rec(ground)], '1900-01-01', now, table);
      expect(a.status).toBe('withheld');
      expect(a.until).toBeNull();
      expect(a.markings[0]?.state).toBe('pending-review');
    }
  });

  it('never releases a provision with no stated maximum, nor one missing from the table', () => {
    expect(assessSecrecy([rec('OSL 18 kap. 8 §')], '1950-01-01', now, table)).toMatchObject({ status: 'withheld', until: null });
    expect(assessSecrecy([rec('OSL 40 kap. 5 §')], '1950-01-01', now, table)).toMatchObject({ status: 'withheld', until: null });
  });

  it("adds markings up: the case's marking withholds the record too, until the last one lapses", () => {
    const a = assessSecrecy([rec('OSL 19:1'), { ground: 'OSL 26 kap. 1 §', on: 'case' }], '2000-01-01', now, table);
    expect(a).toMatchObject({ status: 'withheld', until: '2070-01-01' });
    expect(a.markings.map((m) => m.state)).toEqual(['lapsed', 'in-force']);
  });

  it('withholds when there is no date to count from', () => {
    expect(assessSecrecy([rec('OSL 26 kap. 1 §')], null, now, table)).toMatchObject({ status: 'withheld', until: null });
  });
});

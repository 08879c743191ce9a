import { describe, expect, it } from 'vitest';
import { dayNumber, ridsOfDay, ridsOfYear } from './record-order.ts';

describe('record order', () => {
  it('numbers days in the order of their dates, no date last', () => {
    const dates = [null, 'okänt', '0999-12-31', '1999', '1999-01-01', '1999-01-02', '1999-02-01', '1999-12-31', '2000-01-01', '2024-05-06T10:00:00', '9999-12-31'];
    const days = dates.map(dayNumber);
    expect(days[0]).toBe(0);
    expect(days[1]).toBe(0);
    for (let i = 2; i < days.length - 1; i++) expect(days[i]!, `${dates[i]} before ${dates[i + 1]}`).toBeLessThanOrEqual(days[i + 1]!);
    expect(dayNumber('1999')).toBe(dayNumber('1999-01-01'));
    expect(dayNumber('2024-05-06T10:00:00')).toBe(dayNumber('2024-05-06'));
  });

  it('keeps a date with an impossible month or day in its year', () => {
    const [first, last] = ridsOfYear(2012);
    for (const d of ['2012-13-01', '2012-99-99', '2012-00-00', '2012-12-32', '2012-01-01', '2012-12-31']) {
      const [a, b] = ridsOfDay(dayNumber(d));
      expect(a, d).toBeGreaterThanOrEqual(first);
      expect(b, d).toBeLessThanOrEqual(last);
    }
    expect(ridsOfYear(2011)[1] + 1).toBe(first);
    expect(ridsOfYear(2013)[0] - 1).toBe(last);
  });

  it('gives exact JavaScript numbers up to the last day of year 9999', () => {
    expect(Number.isSafeInteger(ridsOfYear(9999)[1])).toBe(true);
    expect(Number.isSafeInteger(ridsOfDay(dayNumber('9999-12-31'))[1])).toBe(true);
  });
});

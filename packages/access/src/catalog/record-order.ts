/**
 * A record's rid (the primary key of access_records and the rowid of its FTS5 row) is chosen so that rid
 * order is date order: rid = day number × 2³¹ + the record's place among the records of that day. Search
 * shows newest first, so it walks rids downwards and stops after a page: FTS5 yields a term's rows in rowid
 * order and the table in primary-key order, so neither a common word nor browsing the whole catalog needs a
 * sort of every hit. A year filter is a rid range.
 *
 * Days: the leading YYYY-MM-DD of the record's date (a date that is only a year counts as its first day),
 * numbered y × 372 + (m − 1) × 31 + d (so year y has days y × 372 + 1 … y × 372 + 372), which keeps the dates' order with no calendar arithmetic; day 0 is
 * "no readable date", which sorts last. The largest rid, of 9999-99-99, stays below 2⁵³, so rids are exact
 * JavaScript numbers. 2³¹ records of one day is beyond any catalog.
 */
const RIDS_PER_DAY = 2 ** 31;

const DAYS_PER_YEAR = 372;

export function dayNumber(date: string | null): number {
  // Month and day only when they are ones, so a day never falls in another year's range.
  const m = date === null ? null : /^(\d{4})(?:-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]))?/.exec(date);
  if (!m) return 0;
  const [year, month, day] = [Number(m[1]), Number(m[2] ?? '01'), Number(m[3] ?? '01')];
  return year * DAYS_PER_YEAR + (month - 1) * 31 + day;
}

/** The first and last rid of a day. */
export function ridsOfDay(day: number): [number, number] {
  return [day * RIDS_PER_DAY, (day + 1) * RIDS_PER_DAY - 1];
}

/** The first and last rid of the records whose `year` (the date's first four digits) is this year. */
export function ridsOfYear(year: number): [number, number] {
  return [ridsOfDay(year * DAYS_PER_YEAR + 1)[0], ridsOfDay((year + 1) * DAYS_PER_YEAR)[1]];
}

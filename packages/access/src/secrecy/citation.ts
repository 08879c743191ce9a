/**
 * Reads the legal ground of a secrecy marking as municipal systems write it: "OSL 26 kap. 1 §",
 * "26 kap. 1 § offentlighets- och sekretesslagen (2009:400)", "OSL 26:1", "SFS 2009:400 26 kap 1 §",
 * "26:1 OSL", "Offentlighets- och sekretesslagen 39 kap 3 § 2 st". Anything else is unreadable, and an
 * unreadable ground withholds pending review: never guess a ground into public.
 */
export interface Citation {
  chapter: number;
  section: number;
  paragraph?: number;
}

const CHAPTER_SECTION = /(\d{1,2})\s*kap(?:\.|itlet)?\s*(\d{1,3})\s*(?:[a-z]\s*)?§(?:\s*(\d{1,2})\s*(?:st(?:\.|ycket)?))?/i;
const SHORT = /(?:^|\s|OSL\s*)(\d{1,2}):(\d{1,3})(?:\s|$)/i;
const NAMES_OSL = /\bOSL\b|offentlighets-\s*och\s*sekretesslag|sekretesslag(?:en)?\b|2009:400/i;

export function parseCitation(text: string | null | undefined): Citation | null {
  if (!text) return null;
  const t = text.replace(/\s+/g, ' ').trim();
  if (!NAMES_OSL.test(t)) return null;
  const long = CHAPTER_SECTION.exec(t);
  if (long) {
    return { chapter: Number(long[1]), section: Number(long[2]), ...(long[3] ? { paragraph: Number(long[3]) } : {}) };
  }
  const withoutSfs = t.replace(/2009:400/g, ' ');
  const short = SHORT.exec(withoutSfs);
  if (short) return { chapter: Number(short[1]), section: Number(short[2]) };
  return null;
}

export function formatCitation(c: Citation): string {
  return `OSL ${c.chapter} kap. ${c.section} §${c.paragraph ? ` ${c.paragraph} st.` : ''}`;
}

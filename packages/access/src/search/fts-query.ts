/**
 * Turns what a person types into an FTS5 query that cannot be a syntax error or an injection: the words
 * (letters and digits, so å ä ö and the parts of a diarienummer such as "BN 2024/0187") each become a
 * quoted prefix term, all of which must match.
 */
const MAX_TERMS = 16;
const MAX_QUERY_CHARS = 500;

export function ftsQuery(text: string): string | null {
  const words = text.slice(0, MAX_QUERY_CHARS).normalize('NFC').match(/[\p{L}\p{N}]+/gu) ?? [];
  if (words.length === 0) return null;
  return words
    .slice(0, MAX_TERMS)
    .map((w) => `"${w.toLowerCase()}"*`)
    .join(' ');
}

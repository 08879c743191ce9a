/**
 * MIMETYPE values are checked against the IANA media types registry (CSIP26/40/53/68: "the IANA mime type").
 * The registry comes from the mime-db package (pinned), which records for each type whether IANA registers it;
 * types other registries know (Apache, nginx) but IANA does not are not IANA media types.
 */
import mimeDb from 'mime-db';

/** RFC 6838 §4.2 syntax: type "/" subtype, restricted-name characters, optional parameters. */
const SYNTAX = /^([A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126})\/([A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126})(\s*;.*)?$/;

const IANA = new Set(Object.entries(mimeDb).filter(([, e]) => e.source === 'iana').map(([type]) => type));

/** Why a MIMETYPE value is not an IANA media type, or undefined when it is one. */
export function mediaTypeProblem(value: string): string | undefined {
  const m = SYNTAX.exec(value.trim());
  if (m === null) return 'is not a media type (RFC 6838 type/subtype syntax)';
  const essence = `${m[1]}/${m[2]}`.toLowerCase();
  if (!IANA.has(essence)) return `is not registered in the IANA media types registry (mime-db ${MIME_DB_VERSION})`;
  return undefined;
}

export const MIME_DB_VERSION = '1.54.0';

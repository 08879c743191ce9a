import type { Readable } from 'node:stream';

/** PREMIS 3 agent (https://www.loc.gov/standards/premis/v3/). */
export interface PremisAgent {
  /** Local identifier, unique within the AIP ("bevara", "submitter:hr-system"). */
  id: string;
  name: string;
  type: 'software' | 'organization' | 'person';
  version?: string;
}

/** PREMIS 3 event. `type` uses the Library of Congress event type vocabulary's labels. */
export interface PremisEvent {
  id?: string;
  type: string;
  dateTime?: Date;
  detail: string;
  outcome: 'success' | 'failure' | 'warning';
  outcomeDetail?: string;
  /** Agent ids with their roles; the first is the executing agent. */
  agents: { id: string; role?: string }[];
  /** Logical paths of the files the event concerns; none means the package as a whole. */
  objects?: string[];
}

/** A recorded event as read back from an AIP. */
export interface StoredEvent extends Omit<PremisEvent, 'dateTime' | 'id'> {
  id: string;
  dateTime: string;
  version: string;
}

export interface FileFormat {
  puid?: string;
  name?: string;
  mimeType?: string;
}

export interface AipFile {
  /** Logical path inside the AIP, e.g. "submission/representations/rep1/data/beslut.pdf". */
  path: string;
  source: Readable | Buffer;
  size?: number;
  /** When known beforehand (from the SIP's METS), checked while the bytes are stored. */
  sha256?: string;
  /**
   * The size and SHA-256 of the bytes `source` gave, as the caller computed them in its own read; asked for once
   * the source has ended. Storage records it instead of hashing the bytes a second time and checks it by reading
   * the stored file back (PutOptions.claimed).
   */
  digest?: () => { size: number; sha256: string };
  /**
   * Told how storing the bytes ended: their size and SHA-256 as storage computed them, once they are stored and read
   * back, or the error that stopped it. For a caller that leaves the hashing to storage (no `digest`) and waits for
   * the digest: a failure after `source` has ended would otherwise reach it only once every file was taken.
   */
  stored?: (outcome: { size: number; sha256: string } | { error: unknown }) => void;
  format?: FileFormat;
}

export interface AipVersionInput {
  files: Iterable<AipFile> | AsyncIterable<AipFile>;
  remove?: string[];
  events: PremisEvent[];
  agents?: PremisAgent[];
  message: string;
  user: { name: string; address?: string };
  label?: string;
  /**
   * The head the caller built this version on (its remove list, the version its receipt names): refused with S-018
   * when another version came first, instead of being written on top of one the caller never saw.
   */
  basedOn?: string;
}

export interface NewAipInput extends Omit<AipVersionInput, 'basedOn'> {
  /** The AIP's identifier; a urn:uuid is made when absent. */
  id?: string;
  label: string;
  /** CSIP content category (mets/@TYPE), e.g. "Mixed", "Textual", "Other". */
  contentCategory?: string;
}

/** Where the AIP's own metadata lives inside the OCFL object's content. */
export const AIP_METS = 'METS.xml';
export const PREMIS_DIR = 'metadata/preservation';
export const premisPath = (version: string): string => `${PREMIS_DIR}/premis-${version}.xml`;
export const AIP_PROFILE = 'https://earkaip.dilcis.eu/profile/E-ARK-AIP-v2-2-0.xml';

export const BEVARA_AGENT: PremisAgent = {
  id: 'bevara',
  name: 'Bevara',
  type: 'software',
  version: '0.1.0',
};

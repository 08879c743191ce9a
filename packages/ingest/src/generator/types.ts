import type { Content } from './content.ts';

/** The package profiles the generator writes. 'eark-csip-2.1' is FGS 2.0 (CSIP 2.1.0 + SIP 2.1.0 + CITS ERMS). */
export type Profile = 'fgs12' | 'eark-csip-2.1' | 'eark-csip-2.0.4' | 'eark-csip-2.2.0';
export const PROFILES: readonly Profile[] = ['fgs12', 'eark-csip-2.1', 'eark-csip-2.0.4', 'eark-csip-2.2.0'];

export type CaseKind = 'bygglov' | 'forsorjningsstod' | 'skolplacering' | 'upphandling' | 'namndprotokoll';
export const CASE_KINDS: readonly CaseKind[] = ['bygglov', 'forsorjningsstod', 'skolplacering', 'upphandling', 'namndprotokoll'];

export interface GenerateOptions {
  profile: Profile;
  seed: string | number;
  /** The municipality, e.g. "Exempelby kommun". */
  organisation: string;
  /** Number of cases; default 5. */
  cases?: number;
  /** Case kinds to draw from (round robin); default all five. */
  kinds?: CaseKind[];
  /**
   * Which records are under secrecy. Without it each kind keeps its natural pattern (försörjningsstöd
   * secret as a case, anbud secret, the rest mostly public). `fraction` marks that share of records
   * secret instead (0 = a wholly public package); `explicit` names case/record indexes (0-based).
   */
  secrecy?: { fraction?: number; explicit?: Array<{ case: number; record?: number }> };
  /** Put unique marker strings in withheld records' titles, explanatory texts and file contents. */
  markers?: boolean;
  /** Extra small attachments spread over the records (the 10,000-file benchmark). */
  extraFiles?: number;
  /**
   * Large recordings of this many bytes each (streamed, never held in memory); `count` of them (default 1), so
   * that a package can be larger than the largest single file (2^31−1 bytes).
   */
  bigFile?: { bytes: number; count?: number };
  /** The package identifier (mets/@OBJID and the root folder's name); default drawn from the seed. */
  objid?: string;
  /** Reference of the submission agreement (altRecordID SUBMISSIONAGREEMENT). */
  submissionAgreement?: string;
}

/** A secrecy marking as the truth records it (OSL 5 kap. 5 §: provision, date, authority). */
export interface SecrecyTruth {
  /** e.g. "OSL 26 kap. 1 §" */
  provision: string;
  chapter: number;
  section: number;
  explanatoryText: string;
  /** Date of the marking, YYYY-MM-DD. */
  markedAt: string;
  /** Where the marking sits in the ERMS: on the case (inherited by its records) or on the record. */
  level: 'case' | 'record';
  authority: string;
  /** The day the secrecy runs from as the marking states it (CITS ERMS only); absent = the record's date. */
  runsFrom?: string;
  /**
   * The marking withholds the registration details too: the diarienummer (case level) or the record's object
   * id, and the date. Written as a second restriction of the other type "registration details".
   */
  coversRegistration?: boolean;
}

export interface RecordTruth {
  /** e.g. "BN 2024/0187-3" */
  objectId: string;
  systemId: string;
  runningNumber: number;
  title: string;
  documentType: string;
  /** YYYY-MM-DD */
  date: string;
  direction: 'incoming' | 'outgoing' | 'internal';
  counterpart?: string;
  /** The effective marking (its own, or the case's with level 'case'); absent = public. */
  secrecy?: SecrecyTruth;
  marker?: string;
  /** Package-relative paths of the record's files. */
  files: string[];
}

export interface CaseTruth {
  /** e.g. "BN 2024/0187" */
  diarienummer: string;
  systemId: string;
  kind: CaseKind;
  /** Board code used in the diarienummer, e.g. "BN". */
  board: string;
  boardName: string;
  classification: string;
  title: string;
  openedAt: string;
  closedAt: string;
  secrecy?: SecrecyTruth;
  marker?: string;
  records: RecordTruth[];
}

export interface FileTruth {
  path: string;
  size: number;
  sha256: string;
  mediaType: string;
  role: 'record' | 'metadata' | 'schema' | 'mets' | 'documentation';
  recordId?: string;
}

export interface PackageTruth {
  profile: Profile;
  objid: string;
  label: string;
  organisation: string;
  organisationNumber: string;
  createdAt: string;
  cases: CaseTruth[];
  files: FileTruth[];
  /** Every marker string and where it belongs. */
  markers: Array<{ marker: string; objectId: string }>;
}

export interface SpecFile {
  /** Path inside the package root, '/'-separated. */
  path: string;
  mediaType: string;
  /** Creation date-time of the file, ISO 8601. */
  created: string;
  content: Content;
}

/** An in-memory description of a package; the writers turn it into a folder, zip or tar. */
export interface PackageSpec {
  profile: Profile;
  /** Name of the single root folder (CSIPSTR1/2): the OBJID unless a variant changes it. */
  rootName: string;
  files: SpecFile[];
  /**
   * XML files whose references (METS file/mdRef SIZE and CHECKSUM, FGS ERMS Bilaga Storlek and
   * Checksumma) `reseal()` recomputes, innermost first: ERMS, representation METS, package METS.
   */
  sealOrder: string[];
  truth: PackageTruth;
}

/**
 * The validation report: the shape the CLI prints with --json and `schemas/validation-report.schema.json`
 * documents. `results` lists every requirement checked, one entry per finding (or one `passed` entry).
 */
export type Level = 'MUST' | 'SHOULD' | 'MAY';
export type Status = 'passed' | 'failed' | 'warning' | 'skipped';

export interface Location {
  /** Path inside the package, '/'-separated, relative to the package root folder. */
  file: string;
  line?: number;
  xpath?: string;
}

export interface Result {
  /** The requirement's own ID: 'CSIP17', 'CSIPSTR4', 'SIP2', 'ERMS56', 'FGS12-004', 'BEVARA-003'. */
  id: string;
  level: Level;
  status: Status;
  message: string;
  location?: Location;
}

/** What validation learnt about one file while reading it, so ingest need not read or identify it again. */
export interface FileFacts {
  /** Package path. */
  path: string;
  size: number;
  sha256: string;
  /** PRONOM PUID, or null when no signature or extension identifies the file; absent when not identified. */
  puid?: string | null;
  formatName?: string | null;
  formatVersion?: string;
  /** How the PUID was found: 'signature', 'container' (zip entries), 'extension' or 'none'. */
  basis?: 'signature' | 'container' | 'extension' | 'none';
}

export interface ValidationReport {
  /** The package's name: its root folder name (or the archive's base name). */
  package: string;
  /** The profile and version the package was judged against, e.g. 'E-ARK SIP 2.1.0', 'FGS Paketstruktur 1.2'. */
  profile: string;
  /** True when no result has status `failed`. */
  valid: boolean;
  results: Result[];
  /** Every file read during validation (all files METS references), with size, SHA-256 and, for files in a fileSec, format. */
  files?: FileFacts[];
}

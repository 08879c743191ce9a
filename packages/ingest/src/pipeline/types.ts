import type { ValidationReport } from '../report/types.ts';
import type { SignedReceipt } from '../submission/receipt.ts';
import type { SubmissionStatus } from './ledger.ts';

/** A submission agreement (leveransöverenskommelse) as ingest applies it. */
export interface Agreement {
  id: string;
  name: string;
  /**
   * The reference packages under this agreement cite in metsHdr/altRecordID TYPE="SUBMISSIONAGREEMENT" (often the
   * agreement's diarienummer). When set, a package citing anything else is refused (I-027).
   */
  reference?: string;
  /** A file outside the format policy rejects the package instead of being a warning. */
  strictFormats: boolean;
  /** The same OBJID with other content becomes a new AIP version instead of being refused (I-016). */
  allowUpdates: boolean;
  /** Pins the profile instead of detecting it. */
  profile?: 'E-ARK' | 'FGS12';
  csipVersion?: string;
}

export interface IngestOptions {
  agreement: Agreement;
  /** Name of the submitting system or person (a PREMIS agent, the receipt). */
  submitter: string;
  /** The submitter's own identifier of this delivery, echoed in the receipt. */
  deliveryId?: string;
  receivedAt?: Date;
  /** The package's SHA-256 when the caller has it already (the HTTP upload hashes while spooling). */
  packageSha256?: string;
  /** The submission's id when the caller created it already (HTTP answers with it before ingest ends). */
  submissionId?: string;
  /** Called as each file of the package has passed (validated, and stored when the package is archived). */
  progress?: (done: number, total: number | undefined, what?: string) => void;
  onStatus?: (status: SubmissionStatus) => void;
}

export interface IngestResult {
  submissionId: string;
  /** The package's file or folder name. */
  package: string;
  /** mets/@OBJID (or the package name when unreadable). */
  packageId: string;
  outcome: 'archived' | 'rejected';
  aip?: string;
  version?: string;
  report: ValidationReport;
  receipt: SignedReceipt;
  /** True when this exact package was decided before and that decision is returned. */
  repeated: boolean;
}

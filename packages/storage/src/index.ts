// The public API of @bevara/storage. Named exports only; other packages import nothing else.
export { BevaraError, StorageError, STORAGE_ERRORS, isBevaraError, isNoSpaceError } from './errors.ts';
export type { ErrorSpec, StorageCode } from './errors.ts';

export type { BlobStore, BlobStat, PutOptions, PutResult } from './blobstore/store.ts';
export { LocalBlobStore } from './blobstore/local.ts';
export { sha256OfFile } from './blobstore/file-sha256.ts';
export { createNewFile } from './new-file.ts';

export { Archive } from './archive/archive.ts';
export { ProcessLock } from './archive/lock.ts';
export type { ProcessLockOptions } from './archive/lock.ts';
export { isLiveProcess } from './live-process.ts';
export { tuneForStreaming } from './streaming-process.ts';
export type { LockedWrites, OpenOptions, Progress } from './archive/archive.ts';
export type { ArchiveConfig, StoreConfig, LocalStoreConfig, S3StoreConfig } from './archive/config.ts';

export type { AipFile, AipVersionInput, NewAipInput, PremisAgent, PremisEvent, StoredEvent, FileFormat } from './aip/model.ts';
export { BEVARA_AGENT } from './aip/model.ts';

export type { AipSummary, AipDetail, AipFileRow, AipVersionRow, CatalogExtension, IndexedAip } from './catalog/catalog.ts';
export type { Inventory } from './ocfl/inventory.ts';
export type { ObjectVerification, Finding as VerifyFinding, VerifyCode } from './verify/object.ts';
export { VERIFY_CODES } from './verify/object.ts';

export type { Signer, TrustedCertificate, SignatureCheck } from './signing/signer.ts';
export type { CertificateInfo } from './signing/keystore.ts';
export { KeyStore } from './signing/keystore.ts';
export { verifyDetached } from './signing/cms.ts';

export type { AuditEvent, AuditEntry } from './audit/format.ts';
export type { AuditVerification } from './audit/log.ts';

export { renderMetrics, METRICS_CONTENT_TYPE } from './metrics/metrics.ts';
export { jsonLogger, SILENT } from './metrics/log.ts';
export type { Logger, LogLevel } from './metrics/log.ts';
export type { AuditOptions, AuditReport } from './fixity/audit.ts';
export type { StoreReport, CopyFinding } from './fixity/state.ts';
export type { ExportResult } from './export/export.ts';
export type { HeldStore } from './replication/legal-hold.ts';
export type { RetryPolicy } from './replication/copy.ts';
export type { Policy, AuditPolicy } from './archive/config.ts';
export type { IngestMetrics } from './metrics/ingest.ts';

/**
 * The receipt (kvittens) a submitter gets for every decided package: what was received, when, what was
 * decided, the digests of the package and of each archived file, and each case's diarienummer, so the source
 * system can mark its cases archived. Rendered as XML (schemas/receipt.xsd) and JSON
 * (schemas/receipt.schema.json); each rendering gets a detached CMS signature by the archive's key, checked by
 * `openssl cms -verify -binary -inform DER -content receipt.xml -in receipt.xml.p7s -CAfile keys/trusted.pem
 * -partial_chain -purpose any`.
 */
import type { Signer } from '@bevara/storage';

export const RECEIPT_NS = 'https://bevara.se/schemas/receipt/1';
export const RECEIPT_FORMAT = 'bevara-receipt/1';

export interface ReceiptFile {
  /** Path inside the package root, '/'-separated. */
  path: string;
  size: number;
  sha256: string;
}

export interface Receipt {
  format: typeof RECEIPT_FORMAT;
  submissionId: string;
  /** mets/@OBJID; the package's name when its METS could not be read. */
  packageId: string;
  packageName: string;
  deliveryId?: string;
  agreement: string;
  submitter: string;
  archiveId: string;
  receivedAt: string;
  decidedAt: string;
  /** SHA-256 of the package file, or of the sha256sum-style manifest of a folder package. */
  packageSha256?: string;
  outcome: 'archived' | 'rejected';
  /** IDs of the failed requirements (or of the failure that refused the container), each once. */
  failedRules: string[];
  aip?: { id: string; version: string };
  /** Every archived file with its digest; empty for a rejected package. */
  files: ReceiptFile[];
  cases: { diarienummer: string }[];
}

export interface SignedReceipt {
  receipt: Receipt;
  xml: Buffer;
  xmlSignature: Buffer;
  json: Buffer;
  jsonSignature: Buffer;
}

export function signReceipt(receipt: Receipt, signer: Signer): SignedReceipt {
  const xml = Buffer.from(receiptXml(receipt), 'utf8');
  const json = Buffer.from(JSON.stringify(receipt, null, 2) + '\n', 'utf8');
  return { receipt, xml, xmlSignature: signer.signDetached(xml), json, jsonSignature: signer.signDetached(json) };
}

export function receiptXml(r: Receipt): string {
  const a = (name: string, value: string | number | undefined) => (value === undefined ? '' : ` ${name}="${esc(String(value))}"`);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<receipt xmlns="${RECEIPT_NS}" format="${RECEIPT_FORMAT}">`,
    `  <submission${a('id', r.submissionId)}${a('agreement', r.agreement)}${a('submitter', r.submitter)}${a('deliveryId', r.deliveryId)}${a('archiveId', r.archiveId)}/>`,
    `  <package${a('id', r.packageId)}${a('name', r.packageName)}${a('sha256', r.packageSha256)}/>`,
    `  <received>${esc(r.receivedAt)}</received>`,
    `  <decided>${esc(r.decidedAt)}</decided>`,
    `  <outcome>${r.outcome}</outcome>`,
    ...(r.failedRules.length ? ['  <failedRules>', ...r.failedRules.map((id) => `    <rule${a('id', id)}/>`), '  </failedRules>'] : []),
    ...(r.aip ? [`  <aip${a('id', r.aip.id)}${a('version', r.aip.version)}/>`] : []),
    ...(r.files.length ? ['  <files>', ...r.files.map((f) => `    <file${a('path', f.path)}${a('size', f.size)}${a('sha256', f.sha256)}/>`), '  </files>'] : []),
    ...(r.cases.length ? ['  <cases>', ...r.cases.map((c) => `    <case${a('diarienummer', c.diarienummer)}/>`), '  </cases>'] : []),
    '</receipt>',
  ];
  return lines.join('\n') + '\n';
}

function esc(s: string): string {
  // Characters XML 1.0 cannot carry at all are replaced, so a hostile name cannot break the document.
  return s
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '\uFFFD')
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
    .replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
}

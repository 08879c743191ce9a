/**
 * A MIME type for METS@MIMETYPE when the caller has not identified the file. Ingest identifies every
 * file by its PRONOM signature and passes the result; this table only covers Bevara's own files and
 * direct storage API use.
 */
const BY_EXTENSION: Record<string, string> = {
  xml: 'application/xml',
  xsd: 'application/xml',
  json: 'application/json',
  pdf: 'application/pdf',
  txt: 'text/plain',
  csv: 'text/csv',
  html: 'text/html',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  gif: 'image/gif',
  zip: 'application/zip',
  odt: 'application/vnd.oasis.opendocument.text',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  p7s: 'application/pkcs7-signature',
};

export function mimeTypeFor(path: string): string {
  const dot = path.lastIndexOf('.');
  const ext = dot >= 0 ? path.slice(dot + 1).toLowerCase() : '';
  return BY_EXTENSION[ext] ?? 'application/octet-stream';
}

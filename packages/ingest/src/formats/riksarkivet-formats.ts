/**
 * Formats accepted for long-term preservation in the default submission agreement, as PRONOM
 * PUIDs (DROID signature file V118 names).
 *
 * Source: Riksarkivets föreskrifter och allmänna råd om tekniska krav för elektroniska handlingar,
 * RA-FS 2009:2 (in force since 2009-07-01), which names the standards to use for preservation and
 * transfer (text: XML, plain text in ISO/IEC 8859-1 or UTF-8, PDF/A; images: TIFF, JPEG, PNG),
 * and Riksarkivet's guidance "Bevarandeformat för elektroniska handlingar" (riksarkivet.se,
 * "Medium och formatval", project ArkivE), which says the listed formats are examples. PDF/A-2
 * and PDF/A-3 follow Riksarkivet's later PDF/A material (riksarkivet.se/pdfa). CSV and ODF are
 * included as open, standardised formats that municipalities commonly deliver.
 * An agreement that needs a different list supplies its own policy.
 */
export interface AcceptedFormat {
  puid: string;
  name: string;
}

export const RIKSARKIVET_ACCEPTED_FORMATS: readonly AcceptedFormat[] = [
  // PDF/A (ISO 19005-1, -2, -3)
  { puid: 'fmt/95', name: 'PDF/A-1a' },
  { puid: 'fmt/354', name: 'PDF/A-1b' },
  { puid: 'fmt/476', name: 'PDF/A-2a' },
  { puid: 'fmt/477', name: 'PDF/A-2b' },
  { puid: 'fmt/478', name: 'PDF/A-2u' },
  { puid: 'fmt/479', name: 'PDF/A-3a' },
  { puid: 'fmt/480', name: 'PDF/A-3b' },
  { puid: 'fmt/481', name: 'PDF/A-3u' },
  // TIFF 6.0 (Baseline) and its image variants
  { puid: 'fmt/353', name: 'Tagged Image File Format (TIFF)' },
  // JPEG (ISO/IEC 10918-1, JFIF) and Exif JPEG
  { puid: 'fmt/41', name: 'Raw JPEG Stream' },
  { puid: 'fmt/42', name: 'JPEG File Interchange Format 1.00' },
  { puid: 'fmt/43', name: 'JPEG File Interchange Format 1.01' },
  { puid: 'fmt/44', name: 'JPEG File Interchange Format 1.02' },
  { puid: 'x-fmt/398', name: 'Exif JPEG 2.0' },
  { puid: 'x-fmt/390', name: 'Exif JPEG 2.1' },
  { puid: 'x-fmt/391', name: 'Exif JPEG 2.2' },
  { puid: 'fmt/645', name: 'Exif JPEG 2.21' },
  { puid: 'fmt/1507', name: 'Exif JPEG 2.3.x' },
  // PNG (ISO/IEC 15948)
  { puid: 'fmt/11', name: 'Portable Network Graphics 1.0' },
  { puid: 'fmt/12', name: 'Portable Network Graphics 1.1' },
  { puid: 'fmt/13', name: 'Portable Network Graphics 1.2' },
  // XML 1.0 / 1.1
  { puid: 'fmt/101', name: 'Extensible Markup Language 1.0' },
  { puid: 'fmt/1776', name: 'Extensible Markup Language 1.1' },
  // Plain text (ISO/IEC 8859-1, UTF-8) and delimited text
  { puid: 'x-fmt/111', name: 'Plain Text File' },
  { puid: 'x-fmt/16', name: 'Unicode Text File' },
  { puid: 'x-fmt/22', name: '7-bit ASCII Text' },
  { puid: 'x-fmt/282', name: '8-bit ANSI Text' },
  { puid: 'x-fmt/283', name: '8-bit ASCII Text' },
  { puid: 'x-fmt/18', name: 'Comma Separated Values' },
  // OpenDocument (ISO/IEC 26300)
  { puid: 'fmt/136', name: 'OpenDocument Text 1.0' },
  { puid: 'fmt/290', name: 'OpenDocument Text 1.1' },
  { puid: 'fmt/291', name: 'OpenDocument Text 1.2' },
  { puid: 'fmt/1756', name: 'OpenDocument Text 1.3' },
  { puid: 'fmt/137', name: 'OpenDocument Spreadsheet 1.0' },
  { puid: 'fmt/294', name: 'OpenDocument Spreadsheet 1.1' },
  { puid: 'fmt/295', name: 'OpenDocument Spreadsheet 1.2' },
  { puid: 'fmt/1755', name: 'OpenDocument Spreadsheet 1.3' },
];

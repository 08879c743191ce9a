/**
 * DILCIS Board vocabularies the CSIP/SIP rules check against, from the E-ARK-CSIP and E-ARK-SIP repositories'
 * schema/*Vocabulary*.xml (see vendor/schemas/README.md). Older CSIP versions used other spellings of content
 * categories; they are accepted too, since a package is judged against the version it claims.
 */
export const CONTENT_CATEGORY = [
  'Textual works – Print', 'Textual works – Digital', 'Textual works – Electronic Serials',
  'Digital Musical Composition (score-based representations)', 'Musical Scores - Print', 'Musical Scores - Digital',
  'Photographs – Print', 'Photographs – Digital', 'Other Graphic Images – Print', 'Other Graphic Images – Digital',
  'Microforms', 'Audio – On Tangible Medium (digital or analog)', 'Audio – Media-independent (digital)',
  'Motion Pictures – Digital and Physical Media', 'Video – File-based and Physical Media', 'Software',
  'Software and Video Games', 'Email', 'Datasets', 'Geospatial Data', 'Geographic Information System (GIS) - Vector Data',
  'GIS Raster and Georeferenced Images', 'GIS Vector and Raster Combined', 'Non-GIS Cartographic',
  '2D and 3D Computer Aided Design', 'Design (schematics, architectural drawings) - Print',
  'Scanned 3D Objects (output from photogrammetry scanning)', 'Databases', 'Websites', 'Web Archives', 'Collection',
  'Event', 'Image', 'Interactive resource', 'Moving image', 'Sound', 'Still image', 'Text', 'Physical object', 'Service',
  // CSIP 2.0.x spellings
  'Mixed', 'Other', 'Database',
];

export const CONTENT_INFORMATION_TYPE = [
  'ERMS', 'SIARD1', 'SIARD2', 'SIARDDK', 'GeoData', 'citscarchival_v1_0', 'cscarchival_v1_0', 'citserms_v2_1',
  'citserms_v3_0', 'citspremis_v1_0', 'cspremis_v1_0', 'citsehpj_v1_0', 'citsehpj_v2_0', 'citsehcr_v1_0',
  'citssiard_v1_0', 'citsgeospatial_v3_0', 'cits3dpm_v1_0', 'MIXED', 'OTHER',
];

export const OAIS_PACKAGE_TYPE = ['SIP', 'AIP', 'DIP', 'AIU', 'AIC'];
export const STATUS = ['SUPERSEDED', 'CURRENT'];
export const FILE_GROUP_LABEL = ['Documentation', 'Schemas', 'Representations', 'Metadata'];
export const RECORD_STATUS = ['NEW', 'SUPPLEMENT', 'REPLACEMENT', 'TEST', 'VERSION', 'DELETE', 'OTHER'];
export const RECORD_ID_TYPE = ['SUBMISSIONAGREEMENT', 'PREVIOUSSUBMISSIONAGREEMENT', 'REFERENCECODE', 'PREVIOUSREFERENCECODE'];
/** METS CHECKSUMTYPE values Bevara can recompute with node:crypto. */
export const HASHES: Record<string, string> = {
  MD5: 'md5', 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512',
};

export function inVocabulary(value: string, vocabulary: readonly string[]): boolean {
  const v = value.trim().toLowerCase();
  return vocabulary.some((term) => term.toLowerCase() === v);
}

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bytesContent, type Content } from './content.ts';
import { GeneratorError } from './errors.ts';

/**
 * The XML schemas a generated package carries (CSIP113/CSIPSTR15 for E-ARK, `System/` for FGS 1.2).
 * They are the official copies Bevara ships unmodified in packages/ingest/vendor/schemas/ (the same ones
 * the validator pins), so the generator works wherever Bevara is installed.
 */
export function referenceDir(): string {
  return fileURLToPath(new URL('../../vendor/schemas/', import.meta.url));
}

export interface SchemaFile {
  /** File name inside the package's schema folder. */
  name: string;
  content: Content;
}

const EARK: Array<[string, string]> = [
  ['mets.xsd', 'eark/mets.xsd'],
  ['xlink.xsd', 'eark/xlink.xsd'],
  ['CSIPExtensionMETS.xsd', 'eark/DILCISExtensionMETS.xsd'],
  ['SIPExtensionMETS.xsd', 'eark/DILCISExtensionSIPMETS.xsd'],
  ['premis.xsd', 'eark/premis-v3-0.xsd'],
  ['ERMS.xsd', 'fgs/cits-erms/ERMS_v2_1_2.xsd'],
];

const FGS12: Array<[string, string]> = [
  ['CSPackageMETS.xsd', 'fgs/paketstruktur-1.2/CSPackageMETS.xsd'],
  ['CSPackageExtensionMETS.xsd', 'fgs/paketstruktur-1.2/CSPackageExtensionMETS.xsd'],
  ['xlink.xsd', 'fgs/paketstruktur-1.2/xlink.xsd'],
  ['FGS-ERMS.xsd', 'fgs/fgs-erms-1.0-derived/Bygglov_v2.xsd'],
];

export function schemaFiles(set: 'eark' | 'fgs12'): SchemaFile[] {
  const dir = referenceDir();
  return (set === 'eark' ? EARK : FGS12).map(([name, rel]) => {
    const path = join(dir, rel);
    if (!existsSync(path)) {
      throw new GeneratorError('G-002', `schema ${rel} not found under ${dir} (is the installation complete?)`, { path });
    }
    // Schemas are small, fixed reference files, not package content: reading them whole is fine.
    return { name, content: bytesContent(readFileSync(path)) };
  });
}

/**
 * XSD validation against Bevara's own pinned schemas only (never a schema a package brings or names in
 * xsi:schemaLocation). Each schema set is read through the safe pre-parse and parsed once per process.
 * Driver schemas live in the repository's `schemas/xsd/`; the official files in `packages/ingest/vendor/schemas/`.
 */
import { createReadStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Document } from 'libxmljs2';
import { IngestError } from '../errors.ts';
import { parseSafeBytes } from './dom.ts';
import { readXmlSafely } from './safe.ts';

const VENDOR = fileURLToPath(new URL('../../vendor/schemas/', import.meta.url));
const DRIVERS = fileURLToPath(new URL('../../../../schemas/xsd/', import.meta.url));

export type SchemaSetName = 'eark-mets' | 'fgs12-mets' | 'premis-v3' | 'premis-v2' | 'erms-v2' | 'erms-v3' | 'fgs-erms-1.0';

interface SchemaSetSpec {
  /** The schema handed to libxml2; its imports are resolved relative to its own path. */
  entry: string;
  /** Every file libxml2 will load for this set, each pre-parsed once so no DOCTYPE can hide in them. */
  files: string[];
  /** How the report names what the document was checked against. */
  title: string;
}

const SETS: Record<SchemaSetName, SchemaSetSpec> = {
  'eark-mets': {
    entry: `${DRIVERS}eark-mets.xsd`,
    files: ['eark/xlink.xsd', 'eark/mets.xsd', 'eark/DILCISExtensionMETS.xsd', 'eark/DILCISExtensionSIPMETS.xsd'],
    title: 'METS 1.12 with the E-ARK CSIP and SIP METS extensions',
  },
  'fgs12-mets': {
    entry: `${DRIVERS}fgs12-mets.xsd`,
    files: ['fgs/paketstruktur-1.2/xlink.xsd', 'fgs/paketstruktur-1.2/CSPackageMETS.xsd', 'fgs/paketstruktur-1.2/CSPackageExtensionMETS.xsd'],
    title: 'FGS Paketstruktur 1.2 CSPackageMETS.xsd with CSPackageExtensionMETS.xsd',
  },
  'premis-v3': { entry: `${VENDOR}eark/premis-v3-0.xsd`, files: [], title: 'PREMIS 3.0' },
  'premis-v2': { entry: `${DRIVERS}premis-v2.xsd`, files: ['eark/xlink.xsd', 'eark/premis-v2-1.xsd'], title: 'PREMIS 2.1' },
  'erms-v2': { entry: `${VENDOR}fgs/cits-erms/ERMS_v2_1_2.xsd`, files: [], title: 'CITS ERMS 2.1.2' },
  'erms-v3': { entry: `${VENDOR}fgs/cits-erms/ERMS_v3.xsd`, files: [], title: 'CITS ERMS 3.0.2' },
  'fgs-erms-1.0': {
    entry: `${VENDOR}fgs/fgs-erms-1.0-derived/Bygglov_v2.xsd`,
    files: [],
    title: 'FGS Ärendehantering 1.0, derived schema (Sundsvall Bygglov_v2.xsd; Riksarkivet\'s original is lost)',
  },
};

const loaded = new Map<SchemaSetName, Promise<Document>>();

export function schemaTitle(name: SchemaSetName): string {
  return SETS[name].title;
}

async function loadFile(path: string): Promise<Document> {
  const bytes = await readXmlSafely(createReadStream(path), { name: path }).catch((cause: unknown) => {
    throw new IngestError('I-012', 'bundled schema missing or unreadable', { schema: path }, { cause });
  });
  return parseSafeBytes(bytes, path, path);
}

function loadSet(name: SchemaSetName): Promise<Document> {
  let p = loaded.get(name);
  if (p === undefined) {
    const spec = SETS[name];
    p = (async () => {
      for (const f of spec.files) await loadFile(`${VENDOR}${f}`);
      return loadFile(spec.entry);
    })();
    p.catch(() => loaded.delete(name));
    loaded.set(name, p);
  }
  return p;
}

export interface XsdError {
  message: string;
  line?: number;
}

/** Validates a parsed document; returns the schema errors (warnings from libxml2 are dropped). */
export async function validateAgainst(doc: Document, name: SchemaSetName): Promise<XsdError[]> {
  const xsd = await loadSet(name);
  if (doc.validate(xsd)) return [];
  return doc.validationErrors
    .filter((e) => (e as { level?: number }).level === undefined || ((e as { level?: number }).level ?? 0) >= 2)
    .map((e) => {
      const line = (e as { line?: number }).line;
      return { message: e.message.trim(), ...(line ? { line } : {}) };
    });
}

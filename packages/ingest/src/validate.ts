/**
 * Validation of a submission package: opens it (folder, zip, tar), detects its profile and version, reads each
 * METS safely, validates it against Bevara's pinned schemas, runs the profile's rules, then reads every
 * referenced file once: size and checksums, SHA-256 and PRONOM format for the report, and the PREMIS and ERMS
 * documents, judged from that same read. Returns one report listing every requirement checked.
 * The two stages are apart (validateMets, then its filePass) so that ingest can decide after the METS stage
 * whether to open storage, and join the file pass to store every file in the same read.
 */
import type { Document } from 'libxmljs2';
import { IngestError } from './errors.ts';
import { DEFAULT_FORMAT_POLICY, type FormatPolicy } from './formats/policy.ts';
import type { FileFacts, Result, ValidationReport } from './report/types.ts';
import { BEVARA_RULES, bevaraLevel, type BevaraRuleId } from './rules/bevara.ts';
import { CSIP_REFERENCES, checkCsipMets, csipLevels } from './rules/csip.ts';
import { representationMetsFiles } from './rules/csip-structmap.ts';
import { STRUCTURE_RULES } from './rules/csip-structure.ts';
import { runRules } from './rules/engine.ts';
import { checkFixity, passFile, type FilePassHooks, type XmlConsumer } from './rules/fixity.ts';
import { formatChecker } from './rules/formats.ts';
import { checkPremisDocument, premisFiles } from './rules/premis.ts';
import { FGS12_REFERENCES, checkFgs12Mets, fgs12Level, FGS12_STRUCTURE } from './rules/fgs12.ts';
import { ermsCandidates, ermsChecker } from './rules/erms.ts';
import { FILE_LOCATORS, NS, all, attr, locatorTarget, type MetsDocument } from './rules/mets-model.ts';
import { isCsipVersion, type CsipVersion } from './rules/profiles.ts';
import { SIP_PROFILE_URL } from './rules/sip.ts';
import { openPackage } from './sip/open.ts';
import type { PackageView, ReadLimits } from './sip/types.ts';
import { parseSafeBytes } from './xml/dom.ts';
import { readXmlSafely, type XmlLimits } from './xml/safe.ts';
import { schemaTitle, validateAgainst, type SchemaSetName } from './xml/xsd.ts';

export interface SubmissionAgreement {
  /** Pins the profile instead of detecting it: 'E-ARK' (CSIP/SIP) or 'FGS12'. */
  profile?: 'E-ARK' | 'FGS12';
  /** Pins the CSIP/SIP version ('2.0.4', '2.1.0', '2.2.0'); FGS 2.0 means 2.1.0. */
  csipVersion?: string;
  /** The agreement's format policy; Riksarkivet's accepted formats, with violations as warnings, by default. */
  formatPolicy?: FormatPolicy;
  /** A file in a format outside the policy rejects the package (BEVARA-007 fails) instead of warning. */
  strictFormats?: boolean;
}

export interface ValidateOptions {
  agreement?: SubmissionAgreement;
  /** Called as referenced files are verified. */
  progress?: (done: number, total: number) => void;
  /** Folder for the private copy of a tar package (removed afterwards); defaults to the system temp folder. */
  staging?: string;
  limits?: Partial<ReadLimits>;
  xmlLimits?: Partial<XmlLimits>;
  /**
   * METS documents the caller has already read safely and parsed (with the same XML limits), by package path:
   * used instead of reading and parsing them again. Ingest's probe reads them first; a large METS took seconds.
   */
  parsed?: ReadonlyMap<string, Document>;
}

const FGS12_PROFILE_MARK = 'CommonSpecificationSwedenPackageProfile';

export async function validatePackage(path: string, options: ValidateOptions = {}): Promise<ValidationReport> {
  const pkg = await openPackage(path, { ...(options.staging ? { staging: options.staging } : {}), ...(options.limits ? { limits: options.limits } : {}) });
  try {
    return await (await validateMets(pkg, options)).filePass();
  } finally {
    await pkg.close();
  }
}

/** Validation after its METS stage, with the file pass still to run. */
export interface MetsStage {
  /** False when the METS stage (structure, XSD, profile rules) already failed the package. */
  readonly valid: boolean;
  /** Runs the file pass, with what the caller adds to it, and returns the whole report. */
  filePass(hooks?: FilePassHooks): Promise<ValidationReport>;
}

/** The METS stage: profile detection, each METS read safely, XSD and the profile's rules; no other file is read. */
export async function validateMets(pkg: PackageView, options: ValidateOptions): Promise<MetsStage> {
  const results: Result[] = [];
  const xmlFailure = (file: string, err: unknown): void => {
    if (!(err instanceof IngestError)) throw err;
    results.push(bevara('BEVARA-001', 'failed', `[${err.code}] ${err.message}`, file, Number(err.detail.line) || undefined));
  };
  const readMets = async (file: string, kind: MetsDocument['kind'], repName?: string): Promise<MetsDocument | undefined> => {
    try {
      const doc = options.parsed?.get(file) ??
        parseSafeBytes(await readXmlSafely(await pkg.open(file), { name: file, ...(options.xmlLimits ? { limits: options.xmlLimits } : {}) }), file);
      const root = doc.root();
      if (root === null) throw new IngestError('I-011', 'XML has no root element', { file });
      results.push(bevara('BEVARA-001', 'passed', 'well-formed, no DOCTYPE, within limits', file));
      const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '';
      return { file, dir, doc, root, kind, ...(repName === undefined ? {} : { repName }) };
    } catch (err) {
      xmlFailure(file, err);
      return undefined;
    }
  };

  const fgsDescriptor = ['sip.xml', 'mets.xml'].find((f) => pkg.entry(f)?.type === 'file');
  const rootFile = pkg.entry('METS.xml')?.type === 'file' ? 'METS.xml' : fgsDescriptor;
  const rootMets = rootFile === undefined ? undefined : await readMets(rootFile, 'root');
  // E-ARK requires METS.xml at the root; a package described by sip.xml, or with Content/ and no METS.xml, is FGS 1.2
  // even when its PROFILE is missing or wrong (then FGS12-002 says so).
  const fgsLayout = rootFile !== 'METS.xml' && (rootFile !== undefined || pkg.entries.some((e) => e.path.startsWith('Content/')));
  const isFgs12 =
    options.agreement?.profile === 'FGS12' ||
    (options.agreement?.profile === undefined &&
      (fgsLayout || (rootMets !== undefined && (attr(rootMets.root, 'PROFILE') ?? '').includes(FGS12_PROFILE_MARK))));

  let profile: string;
  let fixity: { docs: MetsDocument[]; profile: ReferenceProfile } | undefined;
  if (isFgs12) {
    profile = 'FGS Paketstruktur 1.2';
    results.push(...(await runRules(FGS12_STRUCTURE, { pkg, ...(rootMets ? { mets: rootMets } : {}) }, rootFile ?? '', fgs12Level)));
    if (rootMets !== undefined) {
      results.push(...(await schemaResults(rootMets, 'fgs12-mets')));
      results.push(...(await checkFgs12Mets({ pkg, mets: rootMets })));
      fixity = { docs: [rootMets], profile: { kinds: FGS12_REFERENCES, levelOf: (id) => fgs12Level(id) ?? bevaraLevel(id) ?? 'MUST' } };
    }
  } else {
    const version = pickVersion(options.agreement?.csipVersion, rootMets);
    const levels = await csipLevels(version);
    const asSip = rootMets !== undefined && isSip(rootMets, version);
    profile = `E-ARK ${asSip ? 'SIP' : 'CSIP'} ${version}`;
    results.push(...(await runRules(STRUCTURE_RULES, { pkg, ...(rootMets && rootMets.file === 'METS.xml' ? { mets: rootMets } : {}) }, 'METS.xml', () => undefined)));
    const docs: MetsDocument[] = [];
    if (rootMets !== undefined && rootMets.file === 'METS.xml') docs.push(rootMets);
    for (const repFile of representationMetsFiles({ pkg })) {
      const rep = await readMets(repFile, 'representation', repFile.split('/')[1]);
      if (rep !== undefined) docs.push(rep);
    }
    for (const mets of docs) {
      results.push(...(await schemaResults(mets, 'eark-mets')));
      results.push(...(await checkCsipMets({ pkg, mets }, version, levels, asSip)));
    }
    fixity = { docs, profile: { kinds: CSIP_REFERENCES, levelOf: (id) => levels.csip.get(id) ?? bevaraLevel(id) ?? 'MUST' } };
  }

  return {
    valid: !results.some((r) => r.status === 'failed'),
    async filePass(hooks) {
      let files: FileFacts[] = [];
      if (fixity !== undefined) {
        const outcome = await readReferencedFiles(pkg, fixity.docs, fixity.profile, options, hooks);
        results.push(...outcome.results);
        files = outcome.files;
      } else if (hooks?.everyFile) {
        // No METS to check files against (an FGS package without one): the caller still gets every file once.
        for (const e of pkg.entries.filter((x) => x.type === 'file')) await passFile(pkg, e.path, { algorithms: [] }, hooks, async () => undefined);
      }
      const merged = dropPassedWhereFailed(results);
      return { package: pkg.rootName, profile, valid: !merged.some((r) => r.status === 'failed'), results: merged, files };
    },
  };
}

/** How a profile's references are found and reported. */
interface ReferenceProfile {
  kinds: typeof CSIP_REFERENCES;
  levelOf: (id: string) => 'MUST' | 'SHOULD' | 'MAY';
}

function bevara(id: BevaraRuleId, status: Result['status'], message: string, file?: string, line?: number): Result {
  return {
    id, level: BEVARA_RULES[id].level, status, message,
    ...(file === undefined ? {} : { location: { file, ...(line ? { line } : {}) } }),
  };
}

/** The version a package is judged against: the agreement's, else one its PROFILE URL names, else 2.1.0 (= FGS 2.0). */
function pickVersion(pinned: string | undefined, mets: MetsDocument | undefined): CsipVersion {
  if (pinned !== undefined) {
    if (!isCsipVersion(pinned)) throw new IngestError('I-015', 'unknown CSIP version in agreement', { version: pinned });
    return pinned;
  }
  const url = mets === undefined ? '' : (attr(mets.root, 'PROFILE') ?? '');
  const m = /v(\d)-(\d)-(\d)\.xml$/.exec(url);
  const named = m ? `${m[1]}.${m[2]}.${m[3]}` : undefined;
  return named !== undefined && isCsipVersion(named) ? named : '2.1.0';
}

/** A SIP names the SIP profile, or at least declares the SIP METS extension namespace on its root. */
function isSip(mets: MetsDocument, version: CsipVersion): boolean {
  const p = attr(mets.root, 'PROFILE') ?? '';
  if (p === SIP_PROFILE_URL[version] || p.startsWith('https://earksip.dilcis.eu/profile/')) return true;
  return mets.root.namespaces(true).some((n) => n.href() === NS.sip);
}

async function schemaResults(mets: MetsDocument, set: SchemaSetName): Promise<Result[]> {
  const errors = await validateAgainst(mets.doc, set);
  if (errors.length === 0) return [bevara('BEVARA-002', 'passed', `valid against ${schemaTitle(set)}`, mets.file)];
  return errors.slice(0, 50).map((e) => bevara('BEVARA-002', 'failed', `${schemaTitle(set)}: ${e.message}`, mets.file, e.line));
}

/**
 * The one pass over the referenced files: fixity, format identification of fileSec files against the agreement's
 * policy, and the PREMIS and ERMS documents judged from the same read.
 */
async function readReferencedFiles(
  pkg: PackageView,
  docs: readonly MetsDocument[],
  profile: ReferenceProfile,
  options: ValidateOptions,
  hooks: FilePassHooks | undefined,
): Promise<{ results: Result[]; files: FileFacts[] }> {
  const erms = ermsChecker(pkg);
  const xml = new Map<string, XmlConsumer>();
  for (const p of ermsCandidates(pkg, docs)) xml.set(p, erms.consume);
  for (const p of premisFiles(pkg, docs)) xml.set(p, checkPremisDocument);
  const agreement = options.agreement ?? {};
  const basePolicy = agreement.formatPolicy ?? DEFAULT_FORMAT_POLICY;
  const policy: FormatPolicy = agreement.strictFormats ? { ...basePolicy, onViolation: 'rejection' } : basePolicy;
  const formats = formatChecker(pkg, policy, fileSecPaths(docs));
  const outcome = await checkFixity(pkg, docs, {
    ...profile,
    unreferenced: { id: 'BEVARA-004', level: 'SHOULD' },
    alsoReferenced: new Set(docs.map((d) => d.file)),
    xml,
    ...(options.xmlLimits ? { xmlLimits: options.xmlLimits } : {}),
    afterRead: (path, read, facts) => formats.check(path, read, facts),
    ...(options.progress ? { progress: options.progress } : {}),
    ...(hooks ? { pass: hooks } : {}),
  });
  return { results: [...outcome.results, ...formats.summary(), ...erms.finish(outcome.files)], files: outcome.files };
}

/** Package paths of the files the METS documents' fileSecs list (what the format policy applies to). */
function fileSecPaths(docs: readonly MetsDocument[]): Set<string> {
  const out = new Set<string>();
  for (const mets of docs) {
    for (const l of all(mets.root, FILE_LOCATORS)) {
      const t = locatorTarget(l, mets.dir);
      if (t?.kind === 'package') out.add(t.path);
    }
  }
  return out;
}

/** A requirement judged both passed and not passed in the same file (rules plus fixity) keeps only its findings. */
function dropPassedWhereFailed(results: Result[]): Result[] {
  const key = (r: Result) => `${r.id}\u0000${r.location?.file ?? ''}`;
  const bad = new Set(results.filter((r) => r.status === 'failed' || r.status === 'warning').map(key));
  const seen = new Set<string>();
  return results.filter((r) => {
    if (r.status !== 'passed') return true;
    const k = key(r);
    if (bad.has(k) || seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}


import { contentInfo } from './content.ts';
import { buildEark, DATA_PREFIX } from './eark.ts';
import { GeneratorError } from './errors.ts';
import { buildFgs12, FGS_DATA_PREFIX, type PackageContext } from './fgs12.ts';
import { buildCases } from './model.ts';
import { Random } from './random.ts';
import { cloneXml } from './xml.ts';
import { CASE_KINDS, PROFILES, type FileTruth, type GenerateOptions, type PackageSpec, type PackageTruth, type SpecFile } from './types.ts';

/**
 * Generates a realistic submission package, deterministic from `options.seed`, together with the
 * truth about it (cases, records, secrecy markings, marker strings, files and their digests).
 * Nothing is written: pass the spec to writeFolder, writeZip or writeTar.
 */
export function generatePackage(options: GenerateOptions): PackageSpec {
  checkOptions(options);
  const rnd = new Random(`${options.seed}:package`);
  const year = 2025;
  const createdAt = `${year}-0${rnd.int(1, 9)}-${String(rnd.int(10, 28))}T${String(rnd.int(8, 16)).padStart(2, '0')}:00:00`;
  const objid = options.objid ?? `SIP-${rnd.uuid()}`;
  const organisationNumber = `212000-${String(rnd.int(1000, 2999))}`;
  const model = buildCases(options, options.profile === 'fgs12' ? FGS_DATA_PREFIX : DATA_PREFIX);
  const truth: PackageTruth = {
    profile: options.profile,
    objid,
    label: `Ärenden från ${options.organisation}, leverans ${createdAt.slice(0, 10)}`,
    organisation: options.organisation,
    organisationNumber,
    createdAt,
    cases: model.cases,
    files: [],
    markers: model.cases.flatMap((c) => [
      ...(c.marker ? [{ marker: c.marker, objectId: c.diarienummer }] : []),
      ...c.records.flatMap((r) => (r.marker ? [{ marker: r.marker, objectId: r.objectId }] : [])),
    ]),
  };
  const ctx: PackageContext = {
    options,
    truth,
    contact: 'Karin Öberg',
    contactEmail: 'karin.oberg@exempel.kommun.example',
    submissionAgreement: options.submissionAgreement ?? `KS ${year - 1}/0042`,
  };
  const built = options.profile === 'fgs12' ? buildFgs12(ctx, model) : buildEark(ctx, model);
  const spec: PackageSpec = { profile: options.profile, rootName: objid, files: built.files, sealOrder: built.sealOrder, truth };
  truth.files = describeFiles(spec, model.recordOfFile);
  return spec;
}

function describeFiles(spec: PackageSpec, recordOfFile: Map<string, string>): FileTruth[] {
  return spec.files.map((f) => {
    const info = contentInfo(f.content);
    const recordId = recordOfFile.get(f.path);
    return { path: f.path, size: info.size, sha256: info.sha256, mediaType: f.mediaType, role: roleOf(spec, f), ...(recordId ? { recordId } : {}) };
  });
}

function roleOf(spec: PackageSpec, f: SpecFile): FileTruth['role'] {
  if (f.path === 'METS.xml' || f.path === 'sip.xml' || f.path.endsWith('/METS.xml')) return 'mets';
  if (f.path.startsWith('schemas/') || f.path.startsWith('System/')) return 'schema';
  if (f.path.startsWith('documentation/')) return 'documentation';
  if (spec.sealOrder.includes(f.path) || f.path.startsWith('metadata/')) return 'metadata';
  return 'record';
}

function checkOptions(o: GenerateOptions): void {
  const bad = (message: string, field: string) => new GeneratorError('G-001', message, { field });
  if (!PROFILES.includes(o.profile)) throw bad(`unknown profile ${String(o.profile)}`, 'profile');
  if (typeof o.organisation !== 'string' || o.organisation.trim() === '') throw bad('organisation is required', 'organisation');
  if (o.cases !== undefined && (!Number.isInteger(o.cases) || o.cases < 1 || o.cases > 100_000)) throw bad('cases must be an integer 1..100000', 'cases');
  if (o.kinds?.some((k) => !CASE_KINDS.includes(k))) throw bad('unknown case kind', 'kinds');
  const f = o.secrecy?.fraction;
  if (f !== undefined && !(f >= 0 && f <= 1)) throw bad('secrecy.fraction must be within 0..1', 'secrecy.fraction');
  if (o.extraFiles !== undefined && (!Number.isInteger(o.extraFiles) || o.extraFiles < 0)) throw bad('extraFiles must be a non-negative integer', 'extraFiles');
  // 44 bytes of WAV header; below 2^31 so FGS Bilaga/@Storlek (xs:int) still holds it.
  if (o.bigFile && (!Number.isInteger(o.bigFile.bytes) || o.bigFile.bytes < 45 || o.bigFile.bytes > 2 ** 31 - 1)) throw bad('bigFile.bytes must be 45..2^31-1', 'bigFile.bytes');
  if (o.bigFile?.count !== undefined && (!Number.isInteger(o.bigFile.count) || o.bigFile.count < 1 || o.bigFile.count > 1000)) throw bad('bigFile.count must be 1..1000', 'bigFile.count');
  if (o.objid !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(o.objid)) throw bad('objid must be a safe folder name', 'objid');
}

/** A deep copy of a spec whose XML trees and file list can be changed without touching the original. */
export function cloneSpec(spec: PackageSpec): PackageSpec {
  return {
    ...spec,
    files: spec.files.map((f) => ({ ...f, content: f.content.kind === 'xml' ? { kind: 'xml', root: cloneXml(f.content.root) } : f.content })),
    sealOrder: [...spec.sealOrder],
    truth: structuredClone(spec.truth),
  };
}

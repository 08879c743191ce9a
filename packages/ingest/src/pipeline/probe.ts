/**
 * What ingest needs from a package's own metadata before storing it: the OBJID (the key of idempotency and of
 * the AIP), the label, the agreement it cites, and the diarienummer of every case for the receipt. The declared
 * checksums are not needed here: validation compares them in the same read that stores each file.
 * Every XML goes through the safe pre-parse; a document that fails it is simply not used here (validation
 * reports it).
 */
import type { Document } from 'libxmljs2';
import { IngestError } from '../errors.ts';
import { parseErms, ermsFlavour, type ErmsCase } from '../erms-catalog/parse.ts';
import { all, attr, FILE_LOCATORS, locatorTarget } from '../rules/mets-model.ts';
import type { PackageView } from '../sip/types.ts';
import { parseSafeBytes } from '../xml/dom.ts';
import { readXmlSafely } from '../xml/safe.ts';

export interface PackageFacts {
  /** mets/@OBJID of the package METS, when readable. */
  objid?: string;
  label?: string;
  /** The submission agreement the package cites (metsHdr/altRecordID TYPE="SUBMISSIONAGREEMENT"). */
  agreementReference?: string;
  cases: ErmsCase[];
  /** The METS documents read and parsed here (with the default XML limits), for validation to use rather than parse again. */
  mets: Map<string, Document>;
}

const ROOT_METS = ['METS.xml', 'sip.xml', 'mets.xml'];

export async function probePackage(pkg: PackageView): Promise<PackageFacts> {
  const facts: PackageFacts = { cases: [], mets: new Map() };
  const rootFile = ROOT_METS.find((f) => pkg.entry(f)?.type === 'file');
  const metsFiles = [
    ...(rootFile ? [rootFile] : []),
    ...pkg.entries.filter((e) => e.type === 'file' && /^representations\/[^/]+\/METS\.xml$/.test(e.path)).map((e) => e.path),
  ];
  const ermsCandidates = new Set<string>();
  for (const file of metsFiles) {
    const doc = await readSafely(pkg, file);
    const root = doc?.root();
    if (!doc || !root) continue;
    facts.mets.set(file, doc);
    if (file === rootFile) {
      const objid = attr(root, 'OBJID')?.trim();
      if (objid) facts.objid = objid;
      const label = attr(root, 'LABEL')?.trim();
      if (label) facts.label = label;
      const cited = all(root, 'mets:metsHdr/mets:altRecordID[@TYPE="SUBMISSIONAGREEMENT"]')[0]?.text().trim();
      if (cited) facts.agreementReference = cited;
    }
    const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '';
    // the fileSec query and the resolutions the METS rules use next, so those are made once
    for (const loc of [...all(root, FILE_LOCATORS), ...all(root, 'mets:amdSec/*/mets:mdRef | mets:dmdSec/mets:mdRef')]) {
      const target = locatorTarget(loc, dir);
      if (target?.kind !== 'package') continue;
      if (target.path.toLowerCase().endsWith('.xml') && !metsFiles.includes(target.path)) ermsCandidates.add(target.path);
    }
  }
  for (const file of [...ermsCandidates].sort()) {
    if (pkg.entry(file)?.type !== 'file') continue;
    const doc = await readSafely(pkg, file);
    if (doc && ermsFlavour(doc)) facts.cases.push(...parseErms(doc));
  }
  return facts;
}

async function readSafely(pkg: PackageView, file: string): Promise<Document | undefined> {
  try {
    return parseSafeBytes(await readXmlSafely(await pkg.open(file), { name: file }), file);
  } catch (e) {
    if (e instanceof IngestError) return undefined;
    throw e;
  }
}

/**
 * File formats (BEVARA-007): every file a fileSec lists is identified by its PRONOM PUID from the head and tail
 * windows kept during its one read (a zip container such as OOXML or ODF re-opens the package entry to read its
 * entries), and checked against the submission agreement's format policy. Under the default agreement a format
 * outside the policy is a warning; an agreement with strict formats makes it a failure.
 */
import { checkFormat, type FormatPolicy } from '../formats/policy.ts';
import { identify, type Identification } from '../formats/identify.ts';
import type { FileFacts, Result } from '../report/types.ts';
import type { PackageView } from '../sip/types.ts';
import { windowedSource, type FileRead } from './file-read.ts';

export const FORMAT_RULE = 'BEVARA-007';

export interface FormatChecker {
  /** For fixity's afterRead: identifies a fileSec file and reports it only when the policy does not accept it. */
  check(path: string, read: FileRead, facts: FileFacts): Promise<Result[]>;
  /** One passed result naming how many files were accepted (none when nothing was checked). */
  summary(): Result[];
}

/**
 * Each identification made for BEVARA-007, whole (MIME type and warnings too), by the read it was made from: a
 * caller joining the same pass (ingest's onRead gets the same read) takes it from here instead of identifying the
 * file again. Held only as long as the read is.
 */
const identifiedByRead = new WeakMap<FileRead, Identification>();

/** The identification BEVARA-007 made from this read, when the file was one it checks (a fileSec file). */
export function identificationFromRead(read: FileRead): Identification | undefined {
  return identifiedByRead.get(read);
}

export function formatChecker(pkg: PackageView, policy: FormatPolicy, inFileSec: ReadonlySet<string>): FormatChecker {
  const strict = policy.onViolation === 'rejection';
  const level = strict ? 'MUST' : 'SHOULD';
  let accepted = 0;
  let checked = 0;
  return {
    async check(path, read, facts) {
      if (!inFileSec.has(path)) return [];
      const id = await identify(windowedSource(pkg, path, read), path);
      identifiedByRead.set(read, id);
      facts.puid = id.puid;
      facts.formatName = id.name;
      if (id.version !== undefined) facts.formatVersion = id.version;
      facts.basis = id.basis;
      checked++;
      const verdict = checkFormat(id, policy);
      if (verdict.ok) { accepted++; return []; }
      const notes = id.warnings?.length ? ` (${id.warnings.join('; ')})` : '';
      return [{ id: FORMAT_RULE, level, status: strict ? 'failed' : 'warning', message: `${path}: ${verdict.message}${notes}`, location: { file: path } }];
    },
    summary() {
      if (checked === 0 || accepted < checked) return [];
      return [{ id: FORMAT_RULE, level, status: 'passed', message: `${accepted} of ${checked} files are in formats accepted by format policy ${policy.id}` }];
    },
  };
}

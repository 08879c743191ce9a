/** CSIPSTR1–CSIPSTR16: the folder structure of a CSIP package (CSIP spec §5.2; levels from its text). */
import type { PackageView } from '../sip/types.ts';
import type { Rule } from './engine.ts';
import { all, attr, resolveHref, type MetsDocument } from './mets-model.ts';

export interface StructureContext {
  pkg: PackageView;
  /** The root METS.xml, when it could be read. */
  mets?: MetsDocument;
}

type R = Rule<StructureContext>;

const dirExists = (pkg: PackageView, path: string) => pkg.entry(path)?.type === 'directory';
const repFolders = (pkg: PackageView) =>
  pkg.entries.filter((e) => e.type === 'directory' && /^representations\/[^/]+$/.test(e.path)).map((e) => e.path);

/** SHOULD: metadata referenced from `xpath` lies under metadata/<sub>/. */
function metadataFolderRule(id: string, sub: string, xpath: string): R {
  return {
    id,
    level: 'SHOULD',
    text: `${sub} metadata is placed in metadata/${sub}/`,
    check({ mets }, r) {
      if (mets === undefined) return r.skip('no readable METS.xml');
      const refs = all(mets.root, xpath);
      if (refs.length === 0) return r.skip(`no ${sub} metadata referenced`);
      for (const ref of refs) {
        const t = resolveHref(attr(ref, 'href', 'xlink') ?? '', mets.dir);
        if (t.kind === 'package' && !t.path.startsWith(`metadata/${sub}/`)) {
          r.violation(`${sub} metadata file ${t.path} is not in metadata/${sub}/`, { line: ref.line() });
        }
      }
    },
  };
}

export const STRUCTURE_RULES: R[] = [
  {
    id: 'CSIPSTR1', level: 'MUST', text: 'the package is contained in a single root folder',
    check({ pkg }, r) {
      if (!pkg.singleRoot) r.violation(`the ${pkg.kind} does not unpack to a single root folder`);
    },
  },
  {
    id: 'CSIPSTR2', level: 'SHOULD', text: 'the root folder is named after mets/@OBJID',
    check({ pkg, mets }, r) {
      if (mets === undefined) return r.skip('no readable METS.xml');
      const objid = attr(mets.root, 'OBJID');
      if (objid !== undefined && objid !== pkg.rootName) r.violation(`root folder "${pkg.rootName}" is not named after mets/@OBJID "${objid}"`);
    },
  },
  {
    id: 'CSIPSTR3', level: 'MAY', text: 'the package may be contained in an archive (zip or tar)',
    check({ pkg }, r) {
      if (pkg.kind === 'folder') r.skip('the package is a folder');
    },
  },
  {
    id: 'CSIPSTR4', level: 'MUST', text: 'the root folder includes a file named METS.xml',
    check({ pkg }, r) {
      if (pkg.entry('METS.xml')?.type !== 'file') r.violation('the package root folder has no file named METS.xml');
    },
  },
  {
    id: 'CSIPSTR5', level: 'SHOULD', text: 'the root folder includes a folder named metadata',
    check({ pkg }, r) {
      if (!dirExists(pkg, 'metadata')) r.violation('there is no metadata folder');
    },
  },
  metadataFolderRule('CSIPSTR6', 'preservation', 'mets:amdSec/mets:digiprovMD/mets:mdRef'),
  metadataFolderRule('CSIPSTR7', 'descriptive', 'mets:dmdSec/mets:mdRef'),
  {
    id: 'CSIPSTR8', level: 'MAY', text: 'other metadata may be placed in further sub-folders of metadata/',
    check({ pkg }, r) {
      if (!dirExists(pkg, 'metadata')) r.skip('there is no metadata folder');
    },
  },
  {
    id: 'CSIPSTR9', level: 'SHOULD', text: 'the root folder includes a folder named representations',
    check({ pkg }, r) {
      if (!dirExists(pkg, 'representations')) r.violation('there is no representations folder');
    },
  },
  {
    id: 'CSIPSTR10', level: 'SHOULD', text: 'representations/ holds one sub-folder per representation',
    check({ pkg }, r) {
      if (!dirExists(pkg, 'representations')) return r.skip('there is no representations folder');
      const loose = pkg.entries.filter((e) => e.type === 'file' && /^representations\/[^/]+$/.test(e.path));
      for (const f of loose) r.violation(`${f.path} lies directly in representations/, not in a representation folder`);
      if (repFolders(pkg).length === 0) r.violation('representations/ holds no representation folder');
    },
  },
  ...(
    [
      ['CSIPSTR11', 'data', 'directory'],
      ['CSIPSTR12', 'METS.xml', 'file'],
      ['CSIPSTR13', 'metadata', 'directory'],
    ] as const
  ).map(
    ([id, name, type]): R => ({
      id, level: 'SHOULD', text: `each representation folder includes ${type === 'file' ? 'a file' : 'a folder'} named ${name}`,
      check({ pkg }, r) {
        const reps = repFolders(pkg);
        if (reps.length === 0) return r.skip('no representation folders');
        for (const rep of reps) if (pkg.entry(`${rep}/${name}`)?.type !== type) r.violation(`${rep} has no ${name}`);
      },
    }),
  ),
  {
    id: 'CSIPSTR14', level: 'MAY', text: 'the package may be extended with additional sub-folders',
    check() {},
  },
  {
    id: 'CSIPSTR15', level: 'SHOULD', text: 'XML schemas are placed in a schemas folder of the root or a representation',
    check({ pkg }, r) {
      const xsds = pkg.entries.filter((e) => e.type === 'file' && e.path.toLowerCase().endsWith('.xsd'));
      if (xsds.length === 0) return r.skip('the package holds no XML schema');
      for (const x of xsds) {
        if (!/^(schemas|representations\/[^/]+\/schemas)\//.test(x.path)) r.violation(`schema ${x.path} is not in a schemas folder`);
      }
    },
  },
  {
    id: 'CSIPSTR16', level: 'SHOULD', text: 'documentation is placed in a documentation folder of the root or a representation',
    check({ pkg }, r) {
      if (!dirExists(pkg, 'documentation') && !repFolders(pkg).some((rep) => dirExists(pkg, `${rep}/documentation`))) {
        r.skip('the package holds no documentation folder; whether it holds documentation elsewhere cannot be told');
      }
    },
  },
];

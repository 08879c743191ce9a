/**
 * CSIP58–CSIP79, CSIP113, CSIP114: the file section, its file groups, files and FLocat locators. Whether the
 * located files exist, and their sizes and checksums, are judged in fixity.ts under CSIP69/71/79.
 */
import type { Element } from 'libxmljs2';
import type { Rule } from './engine.ts';
import { FILE_LOCATORS, all, attr, first, idrefs, where, type MetsContext } from './mets-model.ts';
import { CONTENT_INFORMATION_TYPE, FILE_GROUP_LABEL, inVocabulary } from './vocabularies.ts';
import { mediaTypeProblem } from './media-types.ts';

type R = Rule<MetsContext>;

const groups = (ctx: MetsContext) => all(ctx.mets.root, 'mets:fileSec/mets:fileGrp');
const files = (ctx: MetsContext) => all(ctx.mets.root, 'mets:fileSec/mets:fileGrp//mets:file');
const usesStart = (g: Element, prefix: string) => (attr(g, 'USE') ?? '').toLowerCase().startsWith(prefix.toLowerCase());

function eachFile(ctx: MetsContext, r: Parameters<R['check']>[1], fn: (f: Element) => void): void {
  const fs = files(ctx);
  if (fs.length === 0) return r.skip('no fileSec/fileGrp/file');
  fs.forEach(fn);
}

function fileAttr(id: string, name: string): R {
  return {
    id,
    text: `every file has @${name}`,
    check(ctx, r) {
      eachFile(ctx, r, (f) => {
        const v = attr(f, name);
        if (v === undefined || v.trim() === '') r.violation(`file/@${name} is missing or empty`, where(f));
      });
    },
  };
}

function groupPresence(id: string, use: string, folder: string): R {
  return {
    id,
    text: `files in ${folder}/ are listed in a fileGrp with @USE="${use}"`,
    check(ctx, r) {
      if (ctx.mets.kind !== 'root') return r.skip('checked in the package METS only');
      if (groups(ctx).some((g) => usesStart(g, use))) return;
      const held = ctx.pkg.entries.some((e) => e.type === 'file' && e.path.startsWith(`${folder}/`));
      // The corpus and the cardinality (0..n) make an absent group a warning unless the folder holds files.
      if (held && use !== 'Representations') r.violation(`${folder}/ holds files but there is no fileGrp with @USE="${use}"`, where(ctx.mets.root));
      else r.warn(`there is no fileGrp with @USE="${use}"`, where(ctx.mets.root));
    },
  };
}

export const FILE_RULES: R[] = [
  {
    id: 'CSIP58',
    text: 'there is one fileSec referencing the transferred content',
    check(ctx, r) {
      const n = all(ctx.mets.root, 'mets:fileSec').length;
      if (n === 0) r.violation('there is no fileSec', where(ctx.mets.root));
      if (n > 1) r.violation(`there are ${n} fileSec elements; only one should be present`, where(ctx.mets.root));
    },
  },
  {
    id: 'CSIP59',
    text: 'fileSec has an @ID',
    check(ctx, r) {
      const fsec = first(ctx.mets.root, 'mets:fileSec');
      if (fsec === undefined) return r.skip('no fileSec');
      if (!attr(fsec, 'ID')) r.violation('fileSec/@ID is missing', where(fsec));
    },
  },
  groupPresence('CSIP60', 'Documentation', 'documentation'),
  groupPresence('CSIP113', 'Schemas', 'schemas'),
  groupPresence('CSIP114', 'Representations', 'representations'),
  {
    id: 'CSIP61',
    text: 'fileGrp/@ADMID refers to administrative metadata sections by ID',
    check(ctx, r) {
      const amdIds = new Set(all(ctx.mets.root, 'mets:amdSec/*[@ID] | mets:amdSec[@ID]').map((e) => attr(e, 'ID')));
      const gs = groups(ctx).filter((g) => attr(g, 'ADMID') !== undefined);
      if (gs.length === 0) return r.skip('no fileGrp/@ADMID');
      for (const g of gs) {
        for (const ref of idrefs(attr(g, 'ADMID'))) {
          if (!amdIds.has(ref)) r.violation(`fileGrp/@ADMID refers to "${ref}", which is no administrative metadata section`, where(g));
        }
      }
    },
  },
  {
    id: 'CSIP62',
    text: 'a Representations fileGrp states @csip:CONTENTINFORMATIONTYPE from the vocabulary',
    check(ctx, r) {
      const gs = groups(ctx);
      if (gs.length === 0) return r.skip('no fileGrp');
      for (const g of gs) {
        const cit = attr(g, 'CONTENTINFORMATIONTYPE', 'csip');
        if (cit === undefined) {
          if (usesStart(g, 'Representations') && ctx.mets.kind === 'root') r.fail('Representations fileGrp has no @csip:CONTENTINFORMATIONTYPE', where(g));
        } else if (!inVocabulary(cit, CONTENT_INFORMATION_TYPE)) {
          r.fail(`fileGrp/@csip:CONTENTINFORMATIONTYPE "${cit}" is not in the vocabulary`, where(g));
        }
      }
    },
  },
  {
    id: 'CSIP63',
    text: 'fileGrp/@csip:OTHERCONTENTINFORMATIONTYPE is given exactly when CONTENTINFORMATIONTYPE is OTHER',
    check(ctx, r) {
      const gs = groups(ctx);
      if (gs.length === 0) return r.skip('no fileGrp');
      for (const g of gs) {
        const cit = attr(g, 'CONTENTINFORMATIONTYPE', 'csip');
        const other = attr(g, 'OTHERCONTENTINFORMATIONTYPE', 'csip');
        if (cit === 'OTHER') {
          if (other === undefined || other.trim() === '') r.fail('fileGrp has CONTENTINFORMATIONTYPE OTHER but no OTHERCONTENTINFORMATIONTYPE value', where(g));
          else if (inVocabulary(other, CONTENT_INFORMATION_TYPE)) r.fail(`fileGrp/@csip:OTHERCONTENTINFORMATIONTYPE "${other}" is a vocabulary value; use CONTENTINFORMATIONTYPE`, where(g));
        } else if (other !== undefined) {
          r.fail('fileGrp has @csip:OTHERCONTENTINFORMATIONTYPE but CONTENTINFORMATIONTYPE is not OTHER', where(g));
        }
      }
    },
  },
  {
    id: 'CSIP64',
    text: 'fileGrp/@USE starts with a vocabulary label and names an existing folder',
    check(ctx, r) {
      const gs = groups(ctx);
      if (gs.length === 0) return r.skip('no fileGrp');
      // Folder names match case-insensitively (the corpus's CSIP64 note: the vocabulary is capitalised, CSIPSTR
      // folders are lower case). "The whole folder structure to the data" reads from the package root, the only
      // base from which a representation METS's "Representations/rep1/data" can name a folder; a path relative to
      // the METS's own folder (a representation's "Schemas") is accepted too.
      const base = ctx.mets.dir === '' ? '' : `${ctx.mets.dir}/`;
      const names = (use: string) => [...new Set([`${base}${use}`, use])].map((p) => p.toLowerCase().replace(/\/+$/, ''));
      const dirs = new Set(ctx.pkg.entries.filter((e) => e.type === 'directory').map((e) => e.path.toLowerCase()));
      for (const g of gs) {
        const use = attr(g, 'USE');
        if (use === undefined) { r.violation('fileGrp/@USE is missing', where(g)); continue; }
        const head = use.split('/')[0] ?? '';
        if (!FILE_GROUP_LABEL.some((l) => l.toLowerCase() === head.toLowerCase())) {
          r.violation(`fileGrp/@USE "${use}" does not begin with Documentation, Schemas, Representations or Metadata`, where(g));
        } else if (!names(use).some((path) => dirs.has(path))) {
          r.violation(`fileGrp/@USE "${use}" names no folder of the package`, where(g));
        }
      }
    },
  },
  {
    id: 'CSIP65',
    text: 'every fileGrp has an @ID',
    check(ctx, r) {
      const gs = groups(ctx);
      if (gs.length === 0) return r.skip('no fileGrp');
      for (const g of gs) if (!attr(g, 'ID')) r.violation('fileGrp/@ID is missing', where(g));
    },
  },
  {
    id: 'CSIP66',
    text: 'every fileGrp holds at least one file',
    check(ctx, r) {
      const gs = groups(ctx);
      if (gs.length === 0) return r.skip('no fileGrp');
      for (const g of gs) if (all(g, './/mets:file').length === 0) r.violation('fileGrp holds no file', where(g));
    },
  },
  fileAttr('CSIP67', 'ID'),
  {
    id: 'CSIP68',
    text: 'every file has an IANA @MIMETYPE',
    check(ctx, r) {
      eachFile(ctx, r, (f) => {
        const v = attr(f, 'MIMETYPE');
        if (v === undefined || v.trim() === '') r.violation('file/@MIMETYPE is missing or empty', where(f));
        else {
          const problem = mediaTypeProblem(v);
          if (problem !== undefined) r.violation(`file/@MIMETYPE "${v}" ${problem}`, where(f));
        }
      });
    },
  },
  fileAttr('CSIP69', 'SIZE'),
  fileAttr('CSIP70', 'CREATED'),
  fileAttr('CSIP71', 'CHECKSUM'),
  fileAttr('CSIP72', 'CHECKSUMTYPE'),
  {
    id: 'CSIP73',
    text: 'file/@OWNERID, when given, records the owner\'s identifier',
    check(ctx, r) {
      if (!files(ctx).some((f) => attr(f, 'OWNERID') !== undefined)) r.skip('no file/@OWNERID');
    },
  },
  ...(
    [
      ['CSIP74', 'ADMID', 'mets:amdSec/*[@ID] | mets:amdSec[@ID]'],
      ['CSIP75', 'DMDID', 'mets:dmdSec[@ID]'],
    ] as const
  ).map(
    ([id, name, targets]): R => ({
      id,
      text: `file/@${name}, when given, refers to existing metadata sections`,
      check(ctx, r) {
        const known = new Set(all(ctx.mets.root, targets).map((e) => attr(e, 'ID')));
        const fs = files(ctx).filter((f) => attr(f, name) !== undefined);
        if (fs.length === 0) return r.skip(`no file/@${name}`);
        for (const f of fs) {
          for (const ref of idrefs(attr(f, name))) if (!known.has(ref)) r.violation(`file/@${name} refers to unknown "${ref}"`, where(f));
        }
      },
    }),
  ),
  {
    id: 'CSIP76',
    text: 'every file has exactly one FLocat',
    check(ctx, r) {
      // One query for the document's FLocats, counted by parent, rather than one query per file.
      const counts = new Map<Element, number>();
      for (const l of all(ctx.mets.root, FILE_LOCATORS)) {
        const f = l.parent() as Element;
        counts.set(f, (counts.get(f) ?? 0) + 1);
      }
      eachFile(ctx, r, (f) => {
        const n = counts.get(f) ?? 0;
        if (n !== 1) r.violation(`file has ${n} FLocat elements; exactly one is required`, where(f));
      });
    },
  },
  {
    id: 'CSIP77',
    text: 'FLocat/@LOCTYPE is "URL"',
    check(ctx, r) {
      const ls = all(ctx.mets.root, FILE_LOCATORS);
      if (ls.length === 0) return r.skip('no FLocat');
      for (const l of ls) if (attr(l, 'LOCTYPE') !== 'URL') r.violation(`FLocat/@LOCTYPE is ${attr(l, 'LOCTYPE') ?? 'missing'}, not URL`, where(l));
    },
  },
  {
    id: 'CSIP78',
    text: 'FLocat/@xlink:type is "simple"',
    check(ctx, r) {
      const ls = all(ctx.mets.root, FILE_LOCATORS);
      if (ls.length === 0) return r.skip('no FLocat');
      for (const l of ls) {
        const t = attr(l, 'type', 'xlink');
        // Required as written (1..1 MUST), though xlink.xsd would let a schema-aware reader default it.
        if (t === undefined) r.violation('FLocat/@xlink:type is missing', where(l));
        else if (t !== 'simple') r.violation(`FLocat/@xlink:type is "${t}", not simple`, where(l));
      }
    },
  },
  {
    id: 'CSIP79',
    text: 'FLocat/@xlink:href gives the location of the file',
    check(ctx, r) {
      const ls = all(ctx.mets.root, FILE_LOCATORS);
      if (ls.length === 0) return r.skip('no FLocat');
      for (const l of ls) {
        const h = attr(l, 'href', 'xlink');
        if (h === undefined || h.trim() === '') r.violation('FLocat/@xlink:href is missing or empty', where(l));
      }
    },
  },
];

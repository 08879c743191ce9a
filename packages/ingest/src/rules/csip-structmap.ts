/** CSIP80–CSIP119: the CSIP structural map, its main division and the Metadata, Documentation, Schemas and
 *  Representations sub-divisions with their file-group pointers and representation METS pointers. */
import type { Element } from 'libxmljs2';
import type { Rule, RuleReporter } from './engine.ts';
import { all, attr, idrefs, resolveHref, where, type MetsContext } from './mets-model.ts';

type R = Rule<MetsContext>;

const csipMaps = (ctx: MetsContext) => all(ctx.mets.root, "mets:structMap[@LABEL='CSIP']");
const mainDiv = (ctx: MetsContext): Element | undefined => {
  const maps = csipMaps(ctx);
  return maps.length === 1 ? all(maps[0]!, 'mets:div')[0] : undefined;
};
const subDivs = (ctx: MetsContext, label: string) => {
  const d = mainDiv(ctx);
  return d === undefined ? [] : all(d, 'mets:div').filter((x) => attr(x, 'LABEL') === label);
};
const repDivs = (ctx: MetsContext) => {
  const d = mainDiv(ctx);
  return d === undefined ? [] : all(d, 'mets:div').filter((x) => (attr(x, 'LABEL') ?? '').startsWith('Representations/'));
};
const groupsUsing = (ctx: MetsContext, use: string, exact: boolean) =>
  all(ctx.mets.root, 'mets:fileSec/mets:fileGrp').filter((g) => {
    const u = attr(g, 'USE') ?? '';
    return exact ? u === use : u === use || u.startsWith(`${use}/`);
  });

function idRule(id: string, label: string, pick: (ctx: MetsContext) => Element[]): R {
  return {
    id,
    text: `the ${label} has an @ID`,
    check(ctx, r) {
      const els = pick(ctx);
      if (els.length === 0) return r.skip(`no ${label}`);
      for (const e of els) if (!attr(e, 'ID')) r.violation(`${label} has no @ID`, where(e));
    },
  };
}

/** CSIP96/100/104 and CSIP116/118/119: a division's fptrs and the file groups of its kind match one to one. */
function pointerRules(label: 'Documentation' | 'Schemas' | 'Representations', allGroupsId: string, pointerId: string): R[] {
  const check = (which: 'groups' | 'pointers') => (ctx: MetsContext, r: RuleReporter) => {
    if (ctx.mets.kind !== 'root' && label === 'Representations') return r.skip('checked in the package METS only');
    // With representation METS files, content groups are pointed to from the representation divisions instead.
    const groups = groupsUsing(ctx, label, label === 'Representations' && repDivs(ctx).length > 0);
    const divs = subDivs(ctx, label);
    const fptrs = divs.flatMap((d) => all(d, 'mets:fptr'));
    if (groups.length === 0 && divs.length === 0) return r.skip(`no ${label} file group or division`);
    // A Representations fileGrp is one whose @USE begins with "Representations" (CSIP114); the corpus's valid
    // minimal IP points its Representations division at USE="Representations/rep1".
    const groupIds = new Set(groupsUsing(ctx, label, false).map((g) => attr(g, 'ID')));
    // A group may also be pointed to from elsewhere in the CSIP structMap (e.g. a representation's schemas).
    const anywhere = new Set(csipMaps(ctx).flatMap((m) => all(m, './/mets:fptr')).map((f) => attr(f, 'FILEID')));
    const pointed = new Set(fptrs.map((f) => attr(f, 'FILEID')));
    if (which === 'groups') {
      for (const g of groups) {
        if (!pointed.has(attr(g, 'ID')) && !anywhere.has(attr(g, 'ID'))) r.violation(`fileGrp @USE="${attr(g, 'USE')}" is not referenced from the ${label} division`, where(g));
      }
    } else {
      for (const f of fptrs) {
        if (!groupIds.has(attr(f, 'FILEID'))) r.violation(`fptr @FILEID="${attr(f, 'FILEID') ?? ''}" in the ${label} division does not point to a ${label} fileGrp`, where(f));
      }
      // fptr/@FILEID is 1..1: a division standing for groups that exist must hold the pointer to one of them.
      const div = divs[0];
      if (div !== undefined && groups.length > 0 && !fptrs.some((f) => groupIds.has(attr(f, 'FILEID')))) {
        r.violation(`the ${label} division has no fptr/@FILEID pointing to its fileGrp`, where(div));
      }
    }
  };
  return [
    { id: allGroupsId, text: `every ${label} fileGrp is referenced from the ${label} division`, check: check('groups') },
    { id: pointerId, text: `the ${label} division's fptrs point to ${label} fileGrps`, check: check('pointers') },
  ];
}

function divisionRule(id: string, label: string, required: (ctx: MetsContext) => boolean): R {
  return {
    id,
    text: `the main division holds one ${label} division`,
    check(ctx, r) {
      const main = mainDiv(ctx);
      if (main === undefined) return r.skip('no single CSIP structMap division');
      const n = subDivs(ctx, label).length;
      if (n > 1) return r.fail(`there are ${n} divisions labelled ${label}; at most one is allowed`, where(main));
      if (n === 0 && required(ctx)) r.violation(`there is no division labelled ${label}`, where(main));
    },
  };
}


export const STRUCTMAP_RULES: R[] = [
  {
    id: 'CSIP80',
    text: 'there is exactly one structMap labelled CSIP',
    check(ctx, r) {
      const n = csipMaps(ctx).length;
      if (n !== 1) r.violation(`there are ${n} structMap elements with @LABEL="CSIP"; exactly one is required`, where(ctx.mets.root));
    },
  },
  {
    id: 'CSIP81',
    text: 'the CSIP structMap has @TYPE="PHYSICAL"',
    check(ctx, r) {
      const maps = csipMaps(ctx);
      if (maps.length === 0) return r.skip('no CSIP structMap');
      for (const m of maps) {
        const t = attr(m, 'TYPE');
        if (t !== 'PHYSICAL') r.violation(`structMap/@TYPE is ${t === undefined ? 'missing' : `"${t}"`}, not PHYSICAL`, where(m));
      }
    },
  },
  {
    id: 'CSIP82',
    text: 'the CSIP structMap is labelled "CSIP"',
    check(ctx, r) {
      if (csipMaps(ctx).length === 0) r.violation('no structMap has @LABEL="CSIP"', where(ctx.mets.root));
    },
  },
  idRule('CSIP83', 'CSIP structMap', csipMaps),
  {
    id: 'CSIP84',
    text: 'the CSIP structMap has a single main division',
    check(ctx, r) {
      const maps = csipMaps(ctx);
      if (maps.length !== 1) return r.skip('no single CSIP structMap');
      const n = all(maps[0]!, 'mets:div').length;
      if (n !== 1) r.violation(`the CSIP structMap has ${n} top divisions; exactly one is required`, where(maps[0]!));
    },
  },
  idRule('CSIP85', 'main division', (ctx) => { const d = mainDiv(ctx); return d ? [d] : []; }),
  {
    id: 'CSIP86',
    text: 'the main division @LABEL equals mets/@OBJID',
    check(ctx, r) {
      const d = mainDiv(ctx);
      if (d === undefined) return r.skip('no single CSIP structMap division');
      const label = attr(d, 'LABEL');
      if (label === undefined) r.violation('the main division has no @LABEL', where(d));
      else if (label !== attr(ctx.mets.root, 'OBJID')) r.violation(`the main division @LABEL "${label}" differs from mets/@OBJID`, where(d));
    },
  },
  // The corpus (CSIP88 rule 1) demands the Metadata division even in a package without metadata sections.
  divisionRule('CSIP88', 'Metadata', () => true),
  idRule('CSIP89', 'Metadata division', (ctx) => subDivs(ctx, 'Metadata')),
  divisionRule('CSIP90', 'Metadata', () => true),
  ...(
    [
      ['CSIP91', 'ADMID', 'mets:amdSec/*[@ID]', 'administrative'],
      ['CSIP92', 'DMDID', 'mets:dmdSec[@ID]', 'descriptive'],
    ] as const
  ).map(
    ([id, name, xpath, kind]): R => ({
      id,
      text: `the Metadata division's @${name} lists every current ${kind} metadata section`,
      check(ctx, r) {
        const secs = all(ctx.mets.root, xpath);
        const div = subDivs(ctx, 'Metadata')[0];
        if (secs.length === 0) return r.skip(`no ${kind} metadata sections`);
        if (div === undefined) return r.skip('no Metadata division');
        const refs = attr(div, name);
        if (refs === undefined) return r.fail(`the Metadata division has no @${name}`, where(div));
        const listed = new Set(idrefs(refs));
        const current = secs.filter((s) => (attr(s, 'STATUS') ?? 'CURRENT') === 'CURRENT').map((s) => attr(s, 'ID')!);
        const known = new Set(secs.map((s) => attr(s, 'ID')));
        for (const c of current) if (!listed.has(c)) r.fail(`@${name} does not list "${c}"`, where(div));
        for (const l of listed) if (!known.has(l)) r.fail(`@${name} lists "${l}", which is no ${kind} metadata section`, where(div));
      },
    }),
  ),
  divisionRule('CSIP93', 'Documentation', (ctx) => groupsUsing(ctx, 'Documentation', false).length > 0),
  idRule('CSIP94', 'Documentation division', (ctx) => subDivs(ctx, 'Documentation')),
  ...pointerRules('Documentation', 'CSIP96', 'CSIP116'),
  divisionRule('CSIP97', 'Schemas', (ctx) => groupsUsing(ctx, 'Schemas', false).length > 0),
  idRule('CSIP98', 'Schemas division', (ctx) => subDivs(ctx, 'Schemas')),
  ...pointerRules('Schemas', 'CSIP100', 'CSIP118'),
  divisionRule('CSIP101', 'Representations', (ctx) => repDivs(ctx).length === 0 && groupsUsing(ctx, 'Representations', false).length > 0),
  idRule('CSIP102', 'Representations division', (ctx) => subDivs(ctx, 'Representations')),
  ...pointerRules('Representations', 'CSIP104', 'CSIP119'),
  {
    id: 'CSIP105',
    text: 'each representation with its own METS has a division of its own',
    check(ctx, r) {
      if (ctx.mets.kind !== 'root') return r.skip('checked in the package METS only');
      const reps = representationMetsFiles(ctx);
      if (reps.length === 0) return r.skip('no representation METS files');
      const labels = new Set(repDivs(ctx).map((d) => attr(d, 'LABEL')));
      for (const rep of reps) {
        const name = rep.split('/')[1];
        if (!labels.has(`Representations/${name}`)) r.violation(`representation ${name} has no division labelled Representations/${name}`, where(mainDiv(ctx) ?? ctx.mets.root));
      }
    },
  },
  idRule('CSIP106', 'representation division', repDivs),
  {
    id: 'CSIP107',
    text: 'a representation division is labelled "Representations/<folder>" after an existing folder',
    check(ctx, r) {
      // A division holding an mptr is a representation division whatever its label says; judging only the
      // divisions already labelled "Representations/…" would never see a wrong label.
      const main = mainDiv(ctx);
      const divs = main === undefined ? [] : all(main, 'mets:div').filter((d) => (attr(d, 'LABEL') ?? '').startsWith('Representations/') || all(d, 'mets:mptr').length > 0);
      if (divs.length === 0) return r.skip('no representation divisions');
      for (const d of divs) {
        const label = attr(d, 'LABEL') ?? '';
        if (!label.startsWith('Representations/')) r.violation(`representation division label "${label}" does not begin with "Representations/"`, where(d));
        else if (!ctx.pkg.entries.some((e) => e.type === 'directory' && e.path.toLowerCase() === label.toLowerCase())) {
          r.violation(`division label "${label}" names no representation folder`, where(d));
        }
      }
    },
  },
  {
    id: 'CSIP108',
    text: "a representation division's mptr/@xlink:title names the representation's fileGrp",
    check(ctx, r) {
      const ms = repDivs(ctx).flatMap((d) => all(d, 'mets:mptr'));
      if (ms.length === 0) return r.skip('no mptr');
      const ids = new Set(groupsUsing(ctx, 'Representations', false).map((g) => attr(g, 'ID')));
      for (const m of ms) {
        const title = attr(m, 'title', 'xlink');
        if (title === undefined) r.violation('mptr/@xlink:title is missing', where(m));
        else if (!ids.has(title)) r.violation(`mptr/@xlink:title "${title}" names no Representations fileGrp`, where(m));
      }
    },
  },
  {
    id: 'CSIP109',
    text: 'a representation division holds one mptr to the representation METS',
    check(ctx, r) {
      const withMets = new Set(representationMetsFiles(ctx).map((f) => `Representations/${f.split('/')[1]}`.toLowerCase()));
      const divs = repDivs(ctx).filter((d) => withMets.has((attr(d, 'LABEL') ?? '').toLowerCase()));
      if (divs.length === 0) return r.skip('no representation has a METS of its own');
      for (const d of divs) {
        const n = all(d, 'mets:mptr').length;
        if (n !== 1) r.violation(`representation division has ${n} mptr elements; exactly one is required`, where(d));
      }
    },
  },
  {
    id: 'CSIP110',
    text: 'mptr/@xlink:href locates the representation METS',
    check(ctx, r) {
      const ms = repDivs(ctx).flatMap((d) => all(d, 'mets:mptr'));
      if (ms.length === 0) return r.skip('no mptr');
      for (const m of ms) {
        const h = attr(m, 'href', 'xlink');
        if (h === undefined) { r.violation('mptr/@xlink:href is missing', where(m)); continue; }
        const t = resolveHref(h, ctx.mets.dir);
        if (t.kind !== 'package' || !ctx.pkg.has(t.path)) r.violation(`mptr/@xlink:href "${h}" locates no file of the package`, where(m));
      }
    },
  },
  {
    id: 'CSIP111',
    text: 'mptr/@xlink:type is "simple"',
    check(ctx, r) {
      const ms = repDivs(ctx).flatMap((d) => all(d, 'mets:mptr'));
      if (ms.length === 0) return r.skip('no mptr');
      for (const m of ms) {
        // Required as written (1..1 MUST), though xlink.xsd would let a schema-aware reader default it.
        const t = attr(m, 'type', 'xlink');
        if (t === undefined) r.violation('mptr/@xlink:type is missing', where(m));
        else if (t !== 'simple') r.violation(`mptr/@xlink:type is "${t}"`, where(m));
      }
    },
  },
  {
    id: 'CSIP112',
    text: 'mptr/@LOCTYPE is "URL"',
    check(ctx, r) {
      const ms = repDivs(ctx).flatMap((d) => all(d, 'mets:mptr'));
      if (ms.length === 0) return r.skip('no mptr');
      for (const m of ms) if (attr(m, 'LOCTYPE') !== 'URL') r.violation(`mptr/@LOCTYPE is ${attr(m, 'LOCTYPE') ?? 'missing'}, not URL`, where(m));
    },
  },
];

/** Package paths of representations/<name>/METS.xml. */
export function representationMetsFiles(ctx: { pkg: MetsContext['pkg'] }): string[] {
  return ctx.pkg.entries
    .filter((e) => e.type === 'file' && /^representations\/[^/]+\/METS\.xml$/.test(e.path))
    .map((e) => e.path);
}

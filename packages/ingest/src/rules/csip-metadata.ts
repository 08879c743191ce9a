/**
 * CSIP17–CSIP57: descriptive (dmdSec), preservation (amdSec/digiprovMD) and rights (amdSec/rightsMD) metadata
 * sections and their mdRef attributes. Sizes and checksums of the referenced files are verified in fixity.ts
 * under the same IDs (CSIP27/29, CSIP41/43, CSIP54/56).
 */
import type { Element } from 'libxmljs2';
import type { Rule, RuleReporter } from './engine.ts';
import { all, attr, where, type MetsContext } from './mets-model.ts';
import { mediaTypeProblem } from './media-types.ts';
import { STATUS } from './vocabularies.ts';

type R = Rule<MetsContext>;

/** Files under `<METS folder>/metadata/<sub>/`. */
export function filesUnder(ctx: MetsContext, sub: string): string[] {
  const base = `${ctx.mets.dir === '' ? '' : `${ctx.mets.dir}/`}metadata/${sub}/`;
  return ctx.pkg.entries.filter((e) => e.type === 'file' && e.path.startsWith(base)).map((e) => e.path);
}

interface Section {
  /** XPath of the sections from mets root. */
  xpath: string;
  label: string;
  ids: {
    id: string; status: string; loctype: string; linktype: string; href: string; mdtype: string;
    mime: string; size: string; created: string; checksum: string; checksumType: string;
  };
}

const SECTIONS: Section[] = [
  {
    xpath: 'mets:dmdSec', label: 'dmdSec',
    ids: { id: 'CSIP18', status: 'CSIP20', loctype: 'CSIP22', linktype: 'CSIP23', href: 'CSIP24', mdtype: 'CSIP25', mime: 'CSIP26', size: 'CSIP27', created: 'CSIP28', checksum: 'CSIP29', checksumType: 'CSIP30' },
  },
  {
    xpath: 'mets:amdSec/mets:digiprovMD', label: 'amdSec/digiprovMD',
    ids: { id: 'CSIP33', status: 'CSIP34', loctype: 'CSIP36', linktype: 'CSIP37', href: 'CSIP38', mdtype: 'CSIP39', mime: 'CSIP40', size: 'CSIP41', created: 'CSIP42', checksum: 'CSIP43', checksumType: 'CSIP44' },
  },
  {
    xpath: 'mets:amdSec/mets:rightsMD', label: 'amdSec/rightsMD',
    ids: { id: 'CSIP46', status: 'CSIP47', loctype: 'CSIP49', linktype: 'CSIP50', href: 'CSIP51', mdtype: 'CSIP52', mime: 'CSIP53', size: 'CSIP54', created: 'CSIP55', checksum: 'CSIP56', checksumType: 'CSIP57' },
  },
];

/** Runs `each` for every mdRef of the sections; skips when there is none. */
function forEachRef(ctx: MetsContext, s: Section, r: RuleReporter, each: (ref: Element) => void): void {
  const refs = all(ctx.mets.root, `${s.xpath}/mets:mdRef`);
  if (refs.length === 0) return r.skip(`no ${s.label}/mdRef`);
  refs.forEach(each);
}

function requiredAttr(s: Section, id: string, name: string, ns?: 'xlink'): R {
  return {
    id,
    text: `${s.label}/mdRef/@${ns ? `${ns}:` : ''}${name} is given`,
    check(ctx, r) {
      forEachRef(ctx, s, r, (ref) => {
        const v = attr(ref, name, ns);
        if (v === undefined || v.trim() === '') r.violation(`${s.label}/mdRef/@${ns ? `${ns}:` : ''}${name} is missing or empty`, where(ref));
      });
    },
  };
}

function sectionRules(s: Section): R[] {
  const { ids } = s;
  return [
    {
      id: ids.id,
      text: `every ${s.label} has an @ID`,
      check(ctx, r) {
        const secs = all(ctx.mets.root, s.xpath);
        if (secs.length === 0) return r.skip(`no ${s.label}`);
        for (const sec of secs) if (!attr(sec, 'ID')) r.violation(`${s.label}/@ID is missing`, where(sec));
      },
    },
    {
      id: ids.status,
      text: `${s.label}/@STATUS is SUPERSEDED or CURRENT`,
      check(ctx, r) {
        const secs = all(ctx.mets.root, s.xpath);
        if (secs.length === 0) return r.skip(`no ${s.label}`);
        for (const sec of secs) {
          const st = attr(sec, 'STATUS');
          if (st === undefined) r.violation(`${s.label}/@STATUS is missing`, where(sec));
          else if (!STATUS.includes(st)) r.fail(`${s.label}/@STATUS "${st}" is not SUPERSEDED or CURRENT`, where(sec));
        }
      },
    },
    {
      id: ids.loctype,
      text: `${s.label}/mdRef/@LOCTYPE is "URL"`,
      check(ctx, r) {
        forEachRef(ctx, s, r, (ref) => {
          const v = attr(ref, 'LOCTYPE');
          if (v !== 'URL') r.violation(`${s.label}/mdRef/@LOCTYPE is ${v === undefined ? 'missing' : `"${v}"`}, not "URL"`, where(ref));
        });
      },
    },
    {
      id: ids.linktype,
      text: `${s.label}/mdRef/@xlink:type is "simple"`,
      check(ctx, r) {
        forEachRef(ctx, s, r, (ref) => {
          // Required as written (1..1 MUST), though xlink.xsd would let a schema-aware reader default it to "simple".
          const v = attr(ref, 'type', 'xlink');
          if (v === undefined) r.violation(`${s.label}/mdRef/@xlink:type is missing`, where(ref));
          else if (v !== 'simple') r.violation(`${s.label}/mdRef/@xlink:type is "${v}", not "simple"`, where(ref));
        });
      },
    },
    requiredAttr(s, ids.href, 'href', 'xlink'),
    requiredAttr(s, ids.mdtype, 'MDTYPE'),
    {
      id: ids.mime,
      text: `${s.label}/mdRef/@MIMETYPE is an IANA media type`,
      check(ctx, r) {
        forEachRef(ctx, s, r, (ref) => {
          const v = attr(ref, 'MIMETYPE');
          if (v === undefined || v.trim() === '') return r.violation(`${s.label}/mdRef/@MIMETYPE is missing or empty`, where(ref));
          if (v.length > 256) return r.warn(`${s.label}/mdRef/@MIMETYPE is longer than 256 characters`, where(ref));
          const problem = mediaTypeProblem(v);
          if (problem !== undefined) r.violation(`${s.label}/mdRef/@MIMETYPE "${v}" ${problem}`, where(ref));
        });
      },
    },
    requiredAttr(s, ids.size, 'SIZE'),
    requiredAttr(s, ids.created, 'CREATED'),
    requiredAttr(s, ids.checksum, 'CHECKSUM'),
    requiredAttr(s, ids.checksumType, 'CHECKSUMTYPE'),
  ];
}

const [DMD, DIGIPROV, RIGHTS] = SECTIONS as [Section, Section, Section];

const SECTION_LEVEL_RULES: R[] = [
  {
    id: 'CSIP17',
    text: 'descriptive metadata available in metadata/descriptive is described in dmdSec elements',
    check(ctx, r) {
      const dmd = all(ctx.mets.root, 'mets:dmdSec');
      const files = filesUnder(ctx, 'descriptive');
      if (files.length > 0 && dmd.length === 0) {
        return r.fail(`metadata/descriptive holds ${files.length} file(s) but there is no dmdSec`, where(ctx.mets.root));
      }
      if (dmd.length === 0) r.warn('there is no dmdSec', where(ctx.mets.root));
    },
  },
  {
    id: 'CSIP19',
    text: 'every dmdSec has @CREATED',
    check(ctx, r) {
      const secs = all(ctx.mets.root, 'mets:dmdSec');
      if (secs.length === 0) return r.skip('no dmdSec');
      for (const sec of secs) if (attr(sec, 'CREATED') === undefined) r.violation('dmdSec/@CREATED is missing', where(sec));
    },
  },
  {
    id: 'CSIP21',
    text: 'dmdSec references its descriptive metadata file with mdRef',
    check(ctx, r) {
      const secs = all(ctx.mets.root, 'mets:dmdSec');
      if (secs.length === 0) return r.skip('no dmdSec');
      const hasFiles = filesUnder(ctx, 'descriptive').length > 0;
      for (const sec of secs) {
        if (all(sec, 'mets:mdRef').length > 0) continue;
        if (hasFiles) r.fail('dmdSec has no mdRef although metadata/descriptive holds files', where(sec));
        else r.warn('dmdSec has no mdRef', where(sec));
      }
    },
  },
  {
    id: 'CSIP31',
    text: 'preservation metadata is described in one amdSec',
    check(ctx, r) {
      const amd = all(ctx.mets.root, 'mets:amdSec');
      const files = filesUnder(ctx, 'preservation');
      if (files.length > 0 && amd.length === 0) {
        return r.fail(`metadata/preservation holds ${files.length} file(s) but there is no amdSec`, where(ctx.mets.root));
      }
      if (amd.length === 0) return r.warn('there is no amdSec', where(ctx.mets.root));
      // Administrative metadata lies in a sub-folder of metadata/ other than descriptive/ (preservation/, …);
      // a placeholder such as metadata/.gitkeep is no metadata.
      const prefix = `${ctx.mets.dir === '' ? '' : `${ctx.mets.dir}/`}metadata/`;
      const metadataFiles = ctx.pkg.entries.filter((e) => {
        if (e.type !== 'file' || !e.path.startsWith(prefix)) return false;
        const [folder, ...rest] = e.path.slice(prefix.length).split('/');
        return rest.length > 0 && folder !== 'descriptive' && !(rest.at(-1) ?? '').startsWith('.');
      });
      if (metadataFiles.length === 0) r.warn('there is an amdSec but no administrative metadata files in a folder under metadata/ (such as metadata/preservation/)', where(amd[0]!));
    },
  },
  {
    id: 'CSIP32',
    text: 'each piece of PREMIS metadata in metadata/preservation has its own digiprovMD',
    check(ctx, r) {
      const dp = all(ctx.mets.root, 'mets:amdSec/mets:digiprovMD');
      const files = filesUnder(ctx, 'preservation');
      if (files.length > 0 && dp.length === 0) {
        return r.fail(`metadata/preservation holds ${files.length} file(s) but there is no digiprovMD`, where(ctx.mets.root));
      }
      if (files.length > dp.length) r.warn(`metadata/preservation holds ${files.length} file(s) but there are ${dp.length} digiprovMD`, where(ctx.mets.root));
      if (dp.length === 0) return r.warn('there is no amdSec/digiprovMD', where(ctx.mets.root));
      if (files.length === 0) r.warn('there are digiprovMD elements but metadata/preservation holds no files', where(dp[0]!));
    },
  },
  {
    id: 'CSIP35',
    text: 'digiprovMD references its PREMIS file with mdRef',
    check(ctx, r) {
      const secs = all(ctx.mets.root, 'mets:amdSec/mets:digiprovMD');
      if (secs.length === 0) return r.skip('no digiprovMD');
      for (const sec of secs) if (all(sec, 'mets:mdRef').length === 0) r.violation('digiprovMD has no mdRef', where(sec));
    },
  },
  {
    id: 'CSIP45',
    text: 'rights metadata, when given, is in amdSec/rightsMD',
    check(ctx, r) {
      if (all(ctx.mets.root, 'mets:amdSec/mets:rightsMD').length === 0) r.skip('no rightsMD');
    },
  },
  {
    id: 'CSIP48',
    text: 'rightsMD references its rights metadata file with mdRef',
    check(ctx, r) {
      const secs = all(ctx.mets.root, 'mets:amdSec/mets:rightsMD');
      if (secs.length === 0) return r.skip('no rightsMD');
      for (const sec of secs) if (all(sec, 'mets:mdRef').length === 0) r.violation('rightsMD has no mdRef', where(sec));
    },
  },
];

export const METADATA_RULES: R[] = [
  ...SECTION_LEVEL_RULES,
  ...sectionRules(DMD),
  ...sectionRules(DIGIPROV),
  ...sectionRules(RIGHTS),
];

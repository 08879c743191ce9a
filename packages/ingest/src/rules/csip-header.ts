/** CSIP1–CSIP16, CSIP117: the mets root element and metsHdr of a package or representation METS. */
import type { Element } from 'libxmljs2';
import type { Rule } from './engine.ts';
import { all, attr, first, textOf, where, type MetsContext } from './mets-model.ts';
import { CONTENT_CATEGORY, CONTENT_INFORMATION_TYPE, OAIS_PACKAGE_TYPE, inVocabulary } from './vocabularies.ts';

type R = Rule<MetsContext>;

/** The agent CSIP10–16 speak of: the creating software, or the first agent when none is marked so. */
export function softwareAgent(ctx: MetsContext): Element | undefined {
  const agents = all(ctx.mets.root, 'mets:metsHdr/mets:agent');
  return (
    agents.find((a) => attr(a, 'ROLE') === 'CREATOR' && attr(a, 'TYPE') === 'OTHER' && attr(a, 'OTHERTYPE') === 'SOFTWARE') ??
    agents[0]
  );
}

export const HEADER_RULES: R[] = [
  {
    id: 'CSIP1',
    text: 'mets/@OBJID exists, has a value and names the package or representation',
    check({ mets, pkg }, r) {
      const objid = attr(mets.root, 'OBJID');
      if (objid === undefined) return r.violation('mets/@OBJID is missing', where(mets.root));
      if (objid.trim() === '') return r.violation('mets/@OBJID is empty', where(mets.root));
      const expected = mets.kind === 'root' ? pkg.rootName : mets.repName;
      if (expected !== undefined && objid !== expected) {
        r.warn(`mets/@OBJID "${objid}" SHOULD equal the ${mets.kind === 'root' ? 'package root folder' : 'representation folder'} name "${expected}"`, where(mets.root));
      }
    },
  },
  {
    id: 'CSIP2',
    text: 'mets/@TYPE declares a content category from the vocabulary',
    check({ mets }, r) {
      const type = attr(mets.root, 'TYPE');
      if (type === undefined) return r.violation('mets/@TYPE is missing', where(mets.root));
      if (!inVocabulary(type, CONTENT_CATEGORY)) {
        return r.violation(`mets/@TYPE "${type}" is not in the content category vocabulary`, where(mets.root));
      }
      if (type.toUpperCase() === 'OTHER') {
        const other = attr(mets.root, 'OTHERTYPE', 'csip');
        if (other === undefined || other.trim() === '') {
          r.violation('mets/@TYPE is OTHER but mets/@csip:OTHERTYPE is missing or empty', where(mets.root));
        }
      }
    },
  },
  {
    id: 'CSIP3',
    text: 'mets/@csip:OTHERTYPE is given when mets/@TYPE is OTHER',
    check({ mets }, r) {
      if (attr(mets.root, 'TYPE')?.toUpperCase() !== 'OTHER') return r.skip('mets/@TYPE is not OTHER');
      const other = attr(mets.root, 'OTHERTYPE', 'csip');
      if (other === undefined || other.trim() === '') r.violation('mets/@csip:OTHERTYPE is missing or empty', where(mets.root));
    },
  },
  {
    id: 'CSIP4',
    text: 'mets/@csip:CONTENTINFORMATIONTYPE names a content information type from the vocabulary',
    check({ mets }, r) {
      const cit = attr(mets.root, 'CONTENTINFORMATIONTYPE', 'csip');
      if (cit === undefined) {
        if (mets.kind === 'representation') return r.fail('a representation METS MUST have mets/@csip:CONTENTINFORMATIONTYPE', where(mets.root));
        return r.warn('mets/@csip:CONTENTINFORMATIONTYPE SHOULD be given', where(mets.root));
      }
      if (!inVocabulary(cit, CONTENT_INFORMATION_TYPE)) {
        return r.fail(`mets/@csip:CONTENTINFORMATIONTYPE "${cit}" is not in the vocabulary`, where(mets.root));
      }
      if (cit === 'OTHER') {
        const other = attr(mets.root, 'OTHERCONTENTINFORMATIONTYPE', 'csip');
        if (other === undefined || other.trim() === '') {
          r.fail('mets/@csip:CONTENTINFORMATIONTYPE is OTHER but mets/@csip:OTHERCONTENTINFORMATIONTYPE is missing or empty', where(mets.root));
        }
      }
    },
  },
  {
    id: 'CSIP5',
    text: 'mets/@csip:OTHERCONTENTINFORMATIONTYPE states the type when CONTENTINFORMATIONTYPE is OTHER',
    check({ mets }, r) {
      if (attr(mets.root, 'CONTENTINFORMATIONTYPE', 'csip') !== 'OTHER') return r.skip('CONTENTINFORMATIONTYPE is not OTHER');
      const other = attr(mets.root, 'OTHERCONTENTINFORMATIONTYPE', 'csip');
      if (other === undefined || other.trim() === '') r.fail('mets/@csip:OTHERCONTENTINFORMATIONTYPE is missing or empty', where(mets.root));
    },
  },
  {
    id: 'CSIP6',
    text: 'mets/@PROFILE gives the URL of the METS profile',
    check({ mets }, r) {
      const profile = attr(mets.root, 'PROFILE');
      if (profile === undefined || profile.trim() === '') r.violation('mets/@PROFILE is missing or empty', where(mets.root));
    },
  },
  {
    id: 'CSIP117',
    text: 'mets/metsHdr exists',
    check({ mets }, r) {
      if (first(mets.root, 'mets:metsHdr') === undefined) r.violation('mets/metsHdr is missing', where(mets.root));
    },
  },
  {
    id: 'CSIP7',
    text: 'mets/metsHdr/@CREATEDATE records when the package was created',
    check({ mets }, r) {
      const hdr = first(mets.root, 'mets:metsHdr');
      if (hdr === undefined) return r.violation('mets/metsHdr is missing, so is its @CREATEDATE', where(mets.root));
      if (attr(hdr, 'CREATEDATE') === undefined) r.violation('mets/metsHdr/@CREATEDATE is missing', where(hdr));
    },
  },
  {
    id: 'CSIP8',
    text: 'mets/metsHdr/@LASTMODDATE is given when the package was modified',
    check(_ctx, r) {
      r.skip('whether the package was modified cannot be known from the package itself');
    },
  },
  {
    id: 'CSIP9',
    text: 'mets/metsHdr/@csip:OAISPACKAGETYPE declares the OAIS package type from the vocabulary',
    check({ mets }, r) {
      const hdr = first(mets.root, 'mets:metsHdr');
      const v = hdr === undefined ? undefined : attr(hdr, 'OAISPACKAGETYPE', 'csip');
      if (v === undefined) return r.violation('mets/metsHdr/@csip:OAISPACKAGETYPE is missing', where(hdr ?? mets.root));
      if (!OAIS_PACKAGE_TYPE.includes(v)) r.violation(`mets/metsHdr/@csip:OAISPACKAGETYPE "${v}" is not in the vocabulary`, where(hdr ?? mets.root));
    },
  },
  {
    id: 'CSIP10',
    text: 'mets/metsHdr/agent records the software that created the package',
    check(ctx, r) {
      const agents = all(ctx.mets.root, 'mets:metsHdr/mets:agent');
      if (agents.length === 0) return r.violation('mets/metsHdr has no agent', where(ctx.mets.root));
      // "A mandatory agent element records the software used to create the package": other agents do not stand in.
      const software = agents.some((a) => attr(a, 'ROLE') === 'CREATOR' && attr(a, 'TYPE') === 'OTHER' && attr(a, 'OTHERTYPE') === 'SOFTWARE');
      if (!software) r.violation('no metsHdr/agent records the creating software (@ROLE="CREATOR" @TYPE="OTHER" @OTHERTYPE="SOFTWARE")', where(agents[0]!));
    },
  },
  ...(
    [
      ['CSIP11', 'ROLE', 'CREATOR'],
      ['CSIP12', 'TYPE', 'OTHER'],
      ['CSIP13', 'OTHERTYPE', 'SOFTWARE'],
    ] as const
  ).map(
    ([id, name, value]): R => ({
      id,
      text: `the software agent has @${name}="${value}"`,
      check(ctx, r) {
        const agent = softwareAgent(ctx);
        if (agent === undefined) return r.violation('there is no agent', where(ctx.mets.root));
        if (attr(agent, name) !== value) r.violation(`no agent has @ROLE=CREATOR @TYPE=OTHER @OTHERTYPE=SOFTWARE (this one lacks @${name}="${value}")`, where(agent));
      },
    }),
  ),
  {
    id: 'CSIP14',
    text: "the software agent's name gives the creating tool",
    check(ctx, r) {
      const agent = softwareAgent(ctx);
      if (agent === undefined) return r.violation('there is no agent', where(ctx.mets.root));
      const name = first(agent, 'mets:name');
      if (name === undefined) return r.violation('agent/name is missing', where(agent));
      if (textOf(name) === '') r.violation('agent/name is empty', where(name));
    },
  },
  {
    id: 'CSIP15',
    text: "the software agent has exactly one note giving the tool's version",
    check(ctx, r) {
      const agent = softwareAgent(ctx);
      if (agent === undefined) return r.violation('there is no agent', where(ctx.mets.root));
      const notes = all(agent, 'mets:note');
      if (notes.length === 0) return r.violation('agent/note is missing', where(agent));
      if (notes.length > 1) return r.violation(`agent has ${notes.length} note elements; exactly one is required`, where(agent));
      if (textOf(notes[0]!) === '') r.violation('agent/note is empty', where(notes[0]!));
    },
  },
  {
    id: 'CSIP16',
    text: 'the software agent\'s note has @csip:NOTETYPE="SOFTWARE VERSION"',
    check(ctx, r) {
      const agent = softwareAgent(ctx);
      const note = agent === undefined ? undefined : first(agent, 'mets:note');
      if (note === undefined) return r.violation('agent/note is missing', where(agent ?? ctx.mets.root));
      const t = attr(note, 'NOTETYPE', 'csip');
      if (t === undefined) return r.violation('agent/note/@csip:NOTETYPE is missing', where(note));
      if (t !== 'SOFTWARE VERSION') r.violation(`agent/note/@csip:NOTETYPE is "${t}", not "SOFTWARE VERSION"`, where(note));
    },
  },
];

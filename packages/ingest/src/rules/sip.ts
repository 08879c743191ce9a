/** SIP1–SIP35: the E-ARK SIP additions to the package METS (header, agents, altRecordIDs, file format attributes). */
import type { Element } from 'libxmljs2';
import type { CsipVersion } from './profiles.ts';
import type { Rule, RuleReporter } from './engine.ts';
import { all, attr, first, textOf, where, type MetsContext } from './mets-model.ts';
import { RECORD_STATUS } from './vocabularies.ts';

type R = Rule<MetsContext & { version: CsipVersion }>;

/** The profile URL SIP2 demands at each version. */
export const SIP_PROFILE_URL: Record<CsipVersion, string> = {
  '2.0.4': 'https://earksip.dilcis.eu/profile/E-ARK-SIP.xml',
  '2.1.0': 'https://earksip.dilcis.eu/profile/E-ARK-SIP.xml',
  '2.2.0': 'https://earksip.dilcis.eu/profile/E-ARK-SIP-v2-2-0.xml',
};

const hdr = (ctx: MetsContext) => first(ctx.mets.root, 'mets:metsHdr');

function altRecordRule(id: string, type: string, once: boolean): R {
  return {
    id,
    text: `metsHdr/altRecordID[@TYPE='${type}'], when given, has a value${once ? ' and occurs once' : ''}`,
    check(ctx, r) {
      const h = hdr(ctx);
      const els = h === undefined ? [] : all(h, 'mets:altRecordID').filter((e) => attr(e, 'TYPE') === type);
      if (els.length === 0) return r.skip(`no altRecordID of type ${type}`);
      if (once && els.length > 1) r.fail(`altRecordID of type ${type} occurs ${els.length} times; at most once`, where(els[1]!));
      for (const e of els) if (textOf(e) === '') r.fail(`altRecordID of type ${type} is empty`, where(e));
    },
  };
}

interface AgentSpec {
  label: string;
  match: (a: Element) => boolean;
  ids: { presence: string; role: string; type: string; name?: string; note?: string; noteType?: string };
  role: string;
  types: string[];
  required: boolean;
}

const AGENTS: AgentSpec[] = [
  {
    label: 'archival creator', match: (a) => attr(a, 'ROLE') === 'ARCHIVIST', role: 'ARCHIVIST',
    types: ['ORGANIZATION', 'INDIVIDUAL'], required: false,
    ids: { presence: 'SIP9', role: 'SIP10', type: 'SIP11', name: 'SIP12', note: 'SIP13', noteType: 'SIP14' },
  },
  {
    label: 'submitting', match: (a) => attr(a, 'ROLE') === 'OTHER' && attr(a, 'OTHERROLE') === 'SUBMITTER', role: 'OTHER',
    // SIP15 is MUST, but its cardinality is 0..1 in the profile and the corpus's valid SIPs omit it.
    types: ['ORGANIZATION', 'INDIVIDUAL'], required: false,
    ids: { presence: 'SIP15', role: 'SIP16', type: 'SIP17', name: 'SIP18', note: 'SIP19', noteType: 'SIP20' },
  },
  {
    label: 'contact person', match: (a) => attr(a, 'ROLE') === 'CREATOR' && attr(a, 'TYPE') === 'INDIVIDUAL', role: 'CREATOR',
    types: ['INDIVIDUAL'], required: false,
    ids: { presence: 'SIP21', role: 'SIP22', type: 'SIP23', name: 'SIP24', note: 'SIP25' },
  },
  {
    label: 'preservation', match: (a) => attr(a, 'ROLE') === 'PRESERVATION', role: 'PRESERVATION',
    types: ['ORGANIZATION'], required: false,
    ids: { presence: 'SIP26', role: 'SIP27', type: 'SIP28', name: 'SIP29', note: 'SIP30', noteType: 'SIP31' },
  },
];

function agentRules(spec: AgentSpec): R[] {
  const agents = (ctx: MetsContext) => all(ctx.mets.root, 'mets:metsHdr/mets:agent').filter(spec.match);
  const each = (ctx: MetsContext, r: RuleReporter, fn: (a: Element) => void) => {
    const as = agents(ctx);
    if (as.length === 0) return r.skip(`no ${spec.label} agent`);
    as.forEach(fn);
  };
  const rules: R[] = [
    {
      id: spec.ids.presence,
      text: `the ${spec.label} agent is recorded in metsHdr`,
      check(ctx, r) {
        if (agents(ctx).length > 0) return;
        if (spec.required) r.violation(`there is no ${spec.label} agent`, where(hdr(ctx) ?? ctx.mets.root));
        else r.skip(`no ${spec.label} agent`);
      },
    },
    {
      id: spec.ids.role,
      text: `the ${spec.label} agent has @ROLE="${spec.role}"`,
      check(ctx, r) { each(ctx, r, () => undefined); },
    },
    {
      id: spec.ids.type,
      text: `the ${spec.label} agent's @TYPE is ${spec.types.join(' or ')}`,
      check(ctx, r) {
        each(ctx, r, (a) => {
          const t = attr(a, 'TYPE');
          if (t === undefined || !spec.types.includes(t)) r.fail(`${spec.label} agent @TYPE is ${t ?? 'missing'}`, where(a));
        });
      },
    },
  ];
  if (spec.ids.name) {
    rules.push({
      id: spec.ids.name,
      text: `the ${spec.label} agent has a name`,
      check(ctx, r) {
        each(ctx, r, (a) => {
          const n = first(a, 'mets:name');
          if (n === undefined || textOf(n) === '') r.violation(`${spec.label} agent has no name`, where(a));
        });
      },
    });
  }
  if (spec.ids.note) {
    rules.push({
      id: spec.ids.note,
      text: `the ${spec.label} agent's note gives additional information`,
      check(ctx, r) {
        each(ctx, r, (a) => {
          if (all(a, 'mets:note').length === 0) r.skip(`${spec.label} agent has no note`);
        });
      },
    });
  }
  if (spec.ids.noteType) {
    rules.push({
      id: spec.ids.noteType,
      text: `the ${spec.label} agent's note has @csip:NOTETYPE="IDENTIFICATIONCODE"`,
      check(ctx, r) {
        const notes = agents(ctx).flatMap((a) => all(a, 'mets:note'));
        if (notes.length === 0) return r.skip(`no ${spec.label} agent note`);
        for (const n of notes) {
          const t = attr(n, 'NOTETYPE', 'csip');
          if (t !== 'IDENTIFICATIONCODE') r.fail(`${spec.label} agent note @csip:NOTETYPE is ${t ?? 'missing'}, not IDENTIFICATIONCODE`, where(n));
        }
      },
    });
  }
  return rules;
}

function fileFormatRule(id: string, name: string): R {
  return {
    id,
    text: `file/@sip:${name}, when given, has a value`,
    check(ctx, r) {
      const fs = all(ctx.mets.root, 'mets:fileSec//mets:file').filter((f) => attr(f, name, 'sip') !== undefined);
      if (fs.length === 0) return r.skip(`no file/@sip:${name}`);
      for (const f of fs) if (attr(f, name, 'sip')!.trim() === '') r.warn(`file/@sip:${name} is empty`, where(f));
    },
  };
}

export const SIP_RULES: R[] = [
  {
    id: 'SIP1',
    text: 'mets/@LABEL, when given, has a value',
    check(ctx, r) {
      const label = attr(ctx.mets.root, 'LABEL');
      if (label === undefined) return r.skip('no mets/@LABEL');
      if (label.trim() === '') r.fail('mets/@LABEL is empty', where(ctx.mets.root));
    },
  },
  {
    id: 'SIP2',
    text: 'mets/@PROFILE is the E-ARK SIP profile URL',
    check(ctx, r) {
      const p = attr(ctx.mets.root, 'PROFILE');
      const expected = SIP_PROFILE_URL[ctx.version];
      if (p === undefined) return r.violation('mets/@PROFILE is missing', where(ctx.mets.root));
      if (p !== expected) r.violation(`mets/@PROFILE is "${p}", not "${expected}"`, where(ctx.mets.root));
    },
  },
  {
    id: 'SIP3',
    text: 'metsHdr/@RECORDSTATUS, when given, is from the vocabulary',
    check(ctx, r) {
      const h = hdr(ctx);
      const v = h === undefined ? undefined : attr(h, 'RECORDSTATUS');
      if (v === undefined) return r.skip('no metsHdr/@RECORDSTATUS');
      if (!RECORD_STATUS.includes(v)) r.fail(`metsHdr/@RECORDSTATUS "${v}" is not in the vocabulary`, where(h!));
    },
  },
  {
    id: 'SIP4',
    text: 'metsHdr/@csip:OAISPACKAGETYPE is "SIP"',
    check(ctx, r) {
      const h = hdr(ctx);
      const v = h === undefined ? undefined : attr(h, 'OAISPACKAGETYPE', 'csip');
      if (v === undefined) return r.violation('metsHdr/@csip:OAISPACKAGETYPE is missing', where(h ?? ctx.mets.root));
      if (v !== 'SIP') r.violation(`metsHdr/@csip:OAISPACKAGETYPE is "${v}", not SIP`, where(h!));
    },
  },
  altRecordRule('SIP5', 'SUBMISSIONAGREEMENT', true),
  altRecordRule('SIP6', 'PREVIOUSSUBMISSIONAGREEMENT', false),
  altRecordRule('SIP7', 'REFERENCECODE', true),
  altRecordRule('SIP8', 'PREVIOUSREFERENCECODE', false),
  ...AGENTS.flatMap(agentRules),
  fileFormatRule('SIP32', 'FILEFORMATNAME'),
  fileFormatRule('SIP33', 'FILEFORMATVERSION'),
  fileFormatRule('SIP34', 'FILEFORMATREGISTRY'),
  fileFormatRule('SIP35', 'FILEFORMATREGISTRYKEY'),
];

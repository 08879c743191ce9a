import { type Citation, formatCitation, parseCitation } from './citation.ts';
import { type Provision, type ProvisionTable, findProvision } from './provisions.ts';

/** A secrecy marking as the ERMS metadata states it, on a record or on its case. */
export interface Marking {
  /** The legal ground as written ("OSL 26 kap. 1 §"); null when the metadata gives none. */
  ground: string | null;
  /** When the secrecy runs from, if the marking says; otherwise the record's date is used. */
  from?: string | null;
  on: 'record' | 'case';
  /** The marking withholds the registration details (diarienummer, object id, date) as well as the content. */
  coversRegistration?: boolean;
}

export type MarkingState = 'in-force' | 'lapsed' | 'pending-review';

export interface MarkingAssessment {
  marking: Marking;
  citation: Citation | null;
  provision: Provision | null;
  state: MarkingState;
  /** ISO date (YYYY-MM-DD) the marking lapses; null when it never lapses on its own. */
  until: string | null;
  reason: string;
}

export interface Assessment {
  /** Public unless some marking is in force or awaits review. */
  status: 'public' | 'withheld';
  /** When every marking will have lapsed; null when some marking never lapses on its own. */
  until: string | null;
  markings: MarkingAssessment[];
}

/**
 * Decides, at `now`, whether a record is public. Markings add up: the record is withheld while any
 * marking (its own or its case's) is in force. A marking whose ground is missing or unreadable
 * withholds pending review and never lapses by itself; a provision with no stated maximum never lapses
 * by itself either. Computed when asked: time passing needs no new AIP version.
 */
export function assessSecrecy(markings: readonly Marking[], recordDate: string | null, now: Date, table: ProvisionTable): Assessment {
  const assessed = markings.map((m) => assessMarking(m, recordDate, now, table));
  const active = assessed.filter((a) => a.state !== 'lapsed');
  if (active.length === 0) return { status: 'public', until: null, markings: assessed };
  const until = active.some((a) => a.until === null) ? null : active.map((a) => a.until!).sort().at(-1)!;
  return { status: 'withheld', until, markings: assessed };
}

function assessMarking(marking: Marking, recordDate: string | null, now: Date, table: ProvisionTable): MarkingAssessment {
  const citation = parseCitation(marking.ground);
  if (!citation) {
    return {
      marking,
      citation: null,
      provision: null,
      state: 'pending-review',
      until: null,
      reason: marking.ground ? `the legal ground "${marking.ground}" cannot be read` : 'the marking states no legal ground',
    };
  }
  const cited = formatCitation(citation);
  const provision = findProvision(table, citation.chapter, citation.section) ?? null;
  if (!provision) {
    return { marking, citation, provision: null, state: 'in-force', until: null, reason: `${cited} is not in the provision table: no maximum time is known` };
  }
  if (provision.maxYears === null) {
    return { marking, citation, provision, state: 'in-force', until: null, reason: `${cited} states no maximum time` };
  }
  // A start date the marking states but that cannot be read is no licence to count from the record's date.
  if (marking.from && !isoDate(marking.from)) {
    return { marking, citation, provision, state: 'in-force', until: null, reason: `${cited}: the date it runs from, "${marking.from}", cannot be read` };
  }
  const start = isoDate(marking.from) ?? isoDate(recordDate);
  if (!start) {
    return { marking, citation, provision, state: 'in-force', until: null, reason: `${cited}: no date to count ${provision.maxYears} years from` };
  }
  const until = addYears(start, provision.maxYears);
  const lapsed = until <= now.toISOString().slice(0, 10);
  return {
    marking,
    citation,
    provision,
    state: lapsed ? 'lapsed' : 'in-force',
    until,
    reason: `${cited}: at most ${provision.maxYears} years from ${start}`,
  };
}

function isoDate(value: string | null | undefined): string | null {
  if (!value) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  if (!m) return null;
  const d = new Date(`${m[1]}-${m[2]}-${m[3]}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? null : `${m[1]}-${m[2]}-${m[3]}`;
}

/** Calendar years; 29 February moves to 1 March in a year without it. */
function addYears(date: string, years: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return d.toISOString().slice(0, 10);
}

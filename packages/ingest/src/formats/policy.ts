/**
 * The submission agreement's format policy: which PUIDs are accepted, and whether a file in
 * another format is a warning (the default agreement) or a rejection.
 */
import { FormatError } from './errors.ts';
import type { Identification } from './identify.ts';
import { RIKSARKIVET_ACCEPTED_FORMATS, type AcceptedFormat } from './riksarkivet-formats.ts';

export interface FormatPolicy {
  id: string;
  accepted: AcceptedFormat[];
  onViolation: 'warning' | 'rejection';
}

export interface FormatCheck {
  ok: boolean;
  /** How a failed check counts; for a passed check, what a failure would have been. */
  level: 'warning' | 'rejection';
  message: string;
}

export const DEFAULT_FORMAT_POLICY: FormatPolicy = {
  id: 'riksarkivet-ra-fs-2009-2',
  accepted: [...RIKSARKIVET_ACCEPTED_FORMATS],
  onViolation: 'warning',
};

const PUID = /^(x-)?fmt\/\d+$/;

/** Checks a policy read from an agreement; a malformed one fails with I-F03. */
export function parseFormatPolicy(input: unknown): FormatPolicy {
  const bad = (why: string): never => {
    throw new FormatError('I-F03', `format policy: ${why}`, { reason: why });
  };
  if (typeof input !== 'object' || input === null) bad('not an object');
  const o = input as Record<string, unknown>;
  if (typeof o['id'] !== 'string' || o['id'] === '') bad('id must be a non-empty string');
  if (o['onViolation'] !== 'warning' && o['onViolation'] !== 'rejection') bad('onViolation must be "warning" or "rejection"');
  if (!Array.isArray(o['accepted'])) bad('accepted must be a list');
  const accepted = (o['accepted'] as unknown[]).map((a, i) => {
    const e = a as Record<string, unknown> | null;
    if (typeof e !== 'object' || e === null || typeof e['puid'] !== 'string' || !PUID.test(e['puid'])) {
      return bad(`accepted[${i}] needs a PUID such as "fmt/354"`);
    }
    return { puid: e['puid'], name: typeof e['name'] === 'string' ? e['name'] : e['puid'] };
  });
  return { id: o['id'] as string, accepted, onViolation: o['onViolation'] as FormatPolicy['onViolation'] };
}

export function checkFormat(identification: Identification, policy: FormatPolicy): FormatCheck {
  const level = policy.onViolation;
  const { puid } = identification;
  if (puid === null) {
    return { ok: false, level, message: `format not identified; policy ${policy.id} accepts only listed PRONOM formats` };
  }
  const label = `${identification.name ?? puid}${identification.version ? ' ' + identification.version : ''} (${puid})`;
  const hit = policy.accepted.find((a) => a.puid === puid);
  if (!hit) return { ok: false, level, message: `${label} is not accepted by format policy ${policy.id}` };
  return { ok: true, level, message: `${label} is accepted by format policy ${policy.id}` };
}

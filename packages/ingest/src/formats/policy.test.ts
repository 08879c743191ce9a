import { describe, expect, it } from 'vitest';
import { isBevaraError } from '@bevara/storage';
import { droidSignatures } from './droid.ts';
import { checkFormat, DEFAULT_FORMAT_POLICY, parseFormatPolicy } from './policy.ts';

describe('format policy', () => {
  it('lists only PUIDs the shipped signature file knows', () => {
    const known = droidSignatures().byPuid;
    for (const a of DEFAULT_FORMAT_POLICY.accepted) expect(known.has(a.puid), a.puid).toBe(true);
  });

  it('accepts PDF/A-1b and warns on plain PDF 1.4 under the default agreement', () => {
    expect(checkFormat({ puid: 'fmt/354', name: 'PDF/A', version: '1b', basis: 'signature' }, DEFAULT_FORMAT_POLICY).ok).toBe(true);
    const r = checkFormat({ puid: 'fmt/18', name: 'PDF', version: '1.4', basis: 'signature' }, DEFAULT_FORMAT_POLICY);
    expect(r).toMatchObject({ ok: false, level: 'warning' });
    expect(r.message).toContain('fmt/18');
  });

  it('makes a violation a rejection when the agreement says so', () => {
    const strict = parseFormatPolicy({ id: 'strict', onViolation: 'rejection', accepted: [{ puid: 'fmt/354', name: 'PDF/A-1b' }] });
    expect(checkFormat({ puid: 'fmt/11', name: 'PNG', basis: 'signature' }, strict)).toMatchObject({ ok: false, level: 'rejection' });
    expect(checkFormat({ puid: null, name: null, basis: 'none' }, strict)).toMatchObject({ ok: false, level: 'rejection' });
  });

  it('rejects a malformed policy with I-F03', () => {
    for (const bad of [null, {}, { id: 'x', onViolation: 'maybe', accepted: [] }, { id: 'x', onViolation: 'warning', accepted: [{ puid: 'pdf' }] }]) {
      let err: unknown;
      try { parseFormatPolicy(bad); } catch (e) { err = e; }
      expect(isBevaraError(err, 'I-F03')).toBe(true);
    }
  });
});

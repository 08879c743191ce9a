import { describe, expect, it } from 'vitest';
import { checkDecision, lastDecisions, parseDecisions, serialiseDecisions, type SecrecyDecision } from './decisions.ts';

const set: SecrecyDecision = { record: 'SN 2024/0101-2', action: 'set', ground: 'OSL 26 kap. 1 §', reason: 'prövad', decidedAt: '2026-11-23T10:00:00.000Z', decidedBy: 'anna' };
const clear: SecrecyDecision = { record: 'SN 2024/0101-2', action: 'clear', reason: 'ej längre känslig', decidedAt: '2026-11-24T10:00:00.000Z', decidedBy: 'erik' };

describe('secrecy decisions file', () => {
  it('round-trips and the last decision per record wins', () => {
    const back = parseDecisions(serialiseDecisions([set, clear]), 'f');
    expect(back).toEqual([set, clear]);
    expect(lastDecisions(back).get('SN 2024/0101-2')?.action).toBe('clear');
  });

  it.each([
    ['not JSON', Buffer.from('{')],
    ['another format', Buffer.from('{"format":"x","decisions":[]}')],
    ['a set without ground', Buffer.from(JSON.stringify({ format: 'bevara-secrecy-decisions/1', decisions: [{ ...set, ground: undefined }] }))],
    ['an unknown action', Buffer.from(JSON.stringify({ format: 'bevara-secrecy-decisions/1', decisions: [{ ...set, action: 'maybe' }] }))],
  ])('refuses %s with A-007', (_name, bytes) => {
    expect(() => parseDecisions(bytes, 'f')).toThrow(expect.objectContaining({ code: 'A-007' }));
  });

  it('refuses input without a reason or with a bad date as A-005', () => {
    expect(() => checkDecision({ ...set, reason: ' ' }, 'input', 'A-005')).toThrow(expect.objectContaining({ code: 'A-005' }));
    expect(() => checkDecision({ ...set, from: '2024-1-1' }, 'input', 'A-005')).toThrow(expect.objectContaining({ code: 'A-005' }));
  });
});

import { describe, expect, it } from 'vitest';
import { ChainChecker, REORDER_WINDOW, type AuditProblem, type ChainLink } from './chain.ts';
import { GENESIS_PREV, sha256Hex } from './format.ts';

/** The chain of a healthy log of `count` entries: entry i's hash stands for its file's SHA-256. */
function chain(count: number): ChainLink[] {
  const links: ChainLink[] = [];
  let prev = GENESIS_PREV;
  for (let seq = 1; seq <= count; seq++) {
    const hash = sha256Hex(Buffer.from(`entry ${seq}`));
    links.push({ name: seq, seq, prev, hash, reported: false, broken: false });
    prev = hash;
  }
  return links;
}

/** Files as an attacker left them: `links` in this order, named 1, 2, 3, ... */
function renumbered(links: ChainLink[]): ChainLink[] {
  return links.map((link, i) => ({ ...link, name: i + 1 }));
}

function check(files: ChainLink[]): { problems: AuditProblem[]; settled: number[]; lastSeq: number } {
  const problems: AuditProblem[] = [];
  const checker = new ChainChecker((problem) => problems.push(problem));
  const settled: number[] = [];
  for (const file of files) settled.push(...checker.push(file).map((link) => link.seq));
  settled.push(...checker.finish().map((link) => link.seq));
  problems.sort((a, b) => a.seq - b.seq);
  return { problems, settled, lastSeq: checker.lastSeq };
}

const kinds = (problems: AuditProblem[]): { seq: number; kind: string }[] => problems.map(({ seq, kind }) => ({ seq, kind }));

describe('ChainChecker', () => {
  it('settles every entry of a healthy chain once, in seq order', () => {
    const { problems, settled, lastSeq } = check(chain(1000));
    expect(problems).toEqual([]);
    expect(settled).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(lastSeq).toBe(1000);
  });

  it('declares an entry removed once the reorder window has filled, far from the end of the log', () => {
    const links = chain(REORDER_WINDOW * 4).filter((link) => link.seq !== 10);
    const { problems, settled } = check(links);
    expect(kinds(problems)).toEqual([{ seq: 10, kind: 'removed' }]);
    expect(settled).toEqual(links.map((link) => link.seq));
  });

  it('reports a removed run of entries as one problem naming the range', () => {
    const { problems } = check(chain(100).filter((link) => link.seq < 40 || link.seq > 44));
    expect(problems).toEqual([{ seq: 40, kind: 'removed', message: 'entries 40 to 44 are missing (5 entries)' }]);
  });

  it('finds a removed first entry', () => {
    const { problems } = check(chain(20).slice(1));
    expect(kinds(problems)).toEqual([{ seq: 1, kind: 'removed' }]);
  });

  it('finds an entry 1 whose prev is not the 64 zeros', () => {
    const links = chain(5);
    const first = links[0];
    if (first) first.prev = 'f'.repeat(64);
    expect(kinds(check(links).problems)).toEqual([{ seq: 1, kind: 'edited' }]);
  });

  it('names both sides when one entry was moved further down, files renumbered', () => {
    const links = chain(60);
    const [moved] = links.splice(29, 1); // entry 30 ...
    if (moved) links.splice(39, 0, moved); // ... now after entry 40
    const { problems, settled } = check(renumbered(links));
    expect(kinds(problems)).toEqual([
      { seq: 30, kind: 'reordered' }, // entry 31, listed before entry 30
      { seq: 40, kind: 'reordered' }, // entry 30, listed after 31..40
    ]);
    expect(settled).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
  });

  it('names the later copy when an entry is duplicated at the end', () => {
    const links = chain(10);
    const copy = links[9];
    if (!copy) throw new Error('no entry 10');
    const { problems, lastSeq } = check([...links, { ...copy, name: 11, hash: sha256Hex(Buffer.from('a forged entry 10')) }]);
    expect(kinds(problems)).toEqual([{ seq: 11, kind: 'inserted' }]);
    expect(lastSeq).toBe(10);
  });

  it('names a stray entry whose seq the chain has long passed', () => {
    const links = chain(30);
    const stray = { ...links[4]!, name: 31 };
    expect(kinds(check([...links, stray]).problems)).toEqual([{ seq: 31, kind: 'inserted' }]);
  });

  it('checks a long chain without holding it: 200 000 entries with damage spread through', () => {
    const links = chain(200_000);
    const edited = links[99_999];
    if (edited) edited.hash = sha256Hex(Buffer.from('edited entry 100000'));
    const files = links.filter((link) => link.seq !== 150_000);
    const { problems } = check(files);
    expect(kinds(problems)).toEqual([
      { seq: 100_000, kind: 'edited' },
      { seq: 150_000, kind: 'removed' },
    ]);
  });
});

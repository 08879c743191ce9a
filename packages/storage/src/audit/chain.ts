/**
 * The chain check of the audit log: given the entry files in name order, decide which one was
 * edited, removed, inserted or moved, and name it. It keeps a fixed amount of state (two entries,
 * a possible fork, and a window of entries that arrived early), so a log of millions of entries is
 * checked in bounded memory. It knows nothing of the store; log.ts feeds it and compares the
 * entries it settles with the signed checkpoints.
 *
 * The evidence, for an entry file N that holds entry S whose `prev` is P:
 *   - S is where the entry belongs (it is inside the hashed bytes); N is only where the file is.
 *   - P is the SHA-256 its writer saw for entry S-1. If entry S-1's file now hashes differently,
 *     entry S-1 was edited after S was written.
 *   - An entry that arrives with S ahead of the chain waits in the window: the missing entry may
 *     still come (reordered) or never does (removed).
 *   - Two entries with the same S both linking to S-1 are a fork: the one the next entry links to
 *     is the chain, the other was inserted.
 */
import { GENESIS_PREV, seqName } from './format.ts';

export type AuditProblemKind =
  | 'edited'
  | 'removed'
  | 'inserted'
  | 'reordered'
  | 'malformed'
  | 'checkpoint-signature'
  | 'checkpoint-mismatch'
  | 'truncated';

export interface AuditProblem {
  /** The seq of the file concerned (its name), or the missing seq for 'removed' and 'truncated'. */
  seq: number;
  kind: AuditProblemKind;
  message: string;
}

/** One entry file as the chain check sees it. */
export interface ChainLink {
  /** The seq in the file's name: where the file is. */
  name: number;
  /** The seq written inside: where the entry belongs. For an unreadable entry, its name. */
  seq: number;
  /** The SHA-256 the entry gives for its predecessor; null when the entry could not be read. */
  prev: string | null;
  /** The SHA-256 of the file's bytes. */
  hash: string;
  /** A problem naming this file has been reported; a second one would only repeat it. */
  reported: boolean;
  /** Its `prev` is not the hash of the entry before it in the chain. */
  broken: boolean;
}

/** How many early entries may wait for a missing one before it is declared removed. */
export const REORDER_WINDOW = 256;

const GENESIS: ChainLink = { name: 0, seq: 0, prev: null, hash: GENESIS_PREV, reported: true, broken: false };

function file(link: ChainLink): string {
  return `entries/${seqName(link.name)}`;
}

export class ChainChecker {
  /** The last entry whose successor has been seen; it is settled when the tip moves on. */
  #before: ChainLink = GENESIS;
  #tip: ChainLink | null = null;
  /** A second entry with the tip's seq that also links to #before. */
  #fork: ChainLink | null = null;
  /** Entries whose seq is ahead of the chain, waiting for the entries between. */
  #pending: ChainLink[] = [];
  #settled: ChainLink[] = [];
  /** name - seq of the entries so far: a change that no problem explains means a renamed file. */
  #shift = 0;
  /** The highest file name in the chain so far: an entry named lower came out of listing order. */
  #lastName = 0;
  #reports = 0;
  #reportsAtLastAdvance = 0;

  constructor(
    private readonly report: (problem: AuditProblem) => void,
    private readonly window = REORDER_WINDOW,
  ) {}

  /** The seq of the last entry in the chain. */
  get lastSeq(): number {
    return this.#tip?.seq ?? 0;
  }

  /** Feeds the next entry file, in name order. Returns the entries now settled, in seq order. */
  push(link: ChainLink): ChainLink[] {
    this.#arrive(link);
    return this.#takeSettled();
  }

  /** No more files: decides what is still open and returns the last settled entries. */
  finish(): ChainLink[] {
    while (this.#pending.length > 0) this.#flushLowest();
    if (this.#fork) this.#resolveFork(null);
    const tip = this.#tip;
    if (tip) {
      this.#settleBefore(tip);
      this.#settled.push(tip);
    }
    return this.#takeSettled();
  }

  #takeSettled(): ChainLink[] {
    const settled = this.#settled;
    this.#settled = [];
    return settled;
  }

  #flag(link: ChainLink, kind: AuditProblemKind, message: string): void {
    if (link.reported) return;
    link.reported = true;
    this.#problem({ seq: link.name, kind, message });
  }

  #problem(problem: AuditProblem): void {
    this.#reports += 1;
    this.report(problem);
  }

  #arrive(link: ChainLink): void {
    if (this.#fork) this.#resolveFork(link);
    const tip = this.#tip;
    const expected = (tip?.seq ?? 0) + 1;
    if (tip && link.seq === tip.seq) this.#sibling(tip, link);
    else if (link.seq === expected) this.#advance(link, false);
    else if (link.seq > expected) {
      this.#pending.push(link);
      if (this.#pending.length > this.window) this.#flushLowest();
    } else {
      this.#flag(link, 'inserted', `${file(link)} holds entry ${link.seq}, which the chain has already passed`);
    }
  }

  /** `link` claims the tip's place in the chain. */
  #sibling(tip: ChainLink, link: ChainLink): void {
    const before = this.#before;
    if (link.prev !== before.hash) {
      this.#flag(link, 'inserted', `${file(link)} is a second entry ${link.seq} that does not link to entry ${before.seq}`);
      return;
    }
    if (tip.broken || tip.prev === null) {
      this.#flag(tip, 'inserted', `${file(tip)} does not link to entry ${before.seq}; ${file(link)} does`);
      this.#tip = link;
      this.#drain();
      return;
    }
    this.#fork = link;
  }

  /** Two entries link to #before with the same seq; `next` (null at the end) shows the chain. */
  #resolveFork(next: ChainLink | null): void {
    const tip = this.#tip;
    const fork = this.#fork;
    if (!tip || !fork) return;
    this.#fork = null;
    if (next && next.seq === fork.seq + 1 && next.prev === fork.hash) {
      this.#flag(tip, 'inserted', `${file(tip)} is a second entry ${tip.seq}; the chain continues from ${file(fork)}`);
      this.#tip = fork;
    } else {
      this.#flag(fork, 'inserted', `${file(fork)} is a second entry ${fork.seq}; the chain continues from ${file(tip)}`);
    }
  }

  /** `link` is the next entry of the chain; across a gap its `prev` cannot be checked. */
  #advance(link: ChainLink, acrossGap: boolean): void {
    const tip = this.#tip;
    if (!tip) {
      if (!acrossGap && link.prev !== null && link.prev !== GENESIS_PREV) {
        this.#flag(link, 'edited', `${file(link)} is entry 1 but its prev is not 64 zeros`);
      }
    } else {
      link.broken = !acrossGap && link.prev !== null && link.prev !== tip.hash;
      if (link.name < tip.name) {
        this.#flag(link, 'reordered', `${file(link)} holds entry ${link.seq}, which belongs after entry ${tip.seq} in ${file(tip)}`);
        this.#flag(tip, 'reordered', `${file(tip)} holds entry ${tip.seq}, which belongs before entry ${link.seq} in ${file(link)}`);
      }
      this.#settleBefore(tip);
      this.#before = tip;
    }
    this.#tip = link;
    this.#checkName(link, acrossGap);
    this.#drain();
  }

  /**
   * A file whose name moved away from its seq with no problem to explain it was renamed. While
   * entries wait in the window a reorder may still explain it, and a reported entry is explained;
   * after a gap the later files may have been renumbered to close it, which sets a new shift; and
   * an entry listed before one already in the chain belongs to a reorder, reported at its edges.
   */
  #checkName(link: ChainLink, acrossGap: boolean): void {
    const shift = link.name - link.seq;
    const explained = this.#reports !== this.#reportsAtLastAdvance;
    const outOfOrder = link.name < this.#lastName;
    this.#reportsAtLastAdvance = this.#reports;
    this.#lastName = Math.max(this.#lastName, link.name);
    if (acrossGap) this.#shift = shift;
    if (shift === this.#shift || outOfOrder || this.#pending.length > 0 || link.reported) return;
    if (!explained) this.#flag(link, 'malformed', `${file(link)} holds entry ${link.seq}: the file was renamed`);
    this.#shift = shift;
  }

  /** The tip's successor has arrived: whether the tip links decides whether #before was edited. */
  #settleBefore(tip: ChainLink): void {
    const before = this.#before;
    if (before === GENESIS) return;
    if (tip.broken) {
      this.#flag(before, 'edited', `${file(before)} no longer hashes to the prev of entry ${tip.seq}`);
    }
    this.#settled.push(before);
  }

  /** Moves waiting entries into the chain while they fit. */
  #drain(): void {
    for (;;) {
      const tip = this.#tip;
      if (!tip || this.#pending.length === 0) return;
      const fits = (link: ChainLink): boolean => link.seq <= tip.seq + 1;
      const linked = this.#pending.findIndex((link) => link.seq === tip.seq + 1 && link.prev === tip.hash);
      const index = linked >= 0 ? linked : this.#pending.findIndex(fits);
      if (index < 0) return;
      const [link] = this.#pending.splice(index, 1);
      if (link) this.#arrive(link);
    }
  }

  /** The window is full or the files have ended: the entries before the lowest waiting one are gone. */
  #flushLowest(): void {
    let lowest = 0;
    this.#pending.forEach((link, i) => {
      const best = this.#pending[lowest];
      if (best && (link.seq < best.seq || (link.seq === best.seq && link.name < best.name))) lowest = i;
    });
    const [link] = this.#pending.splice(lowest, 1);
    if (!link) return;
    if (this.#fork) this.#resolveFork(null);
    const expected = (this.#tip?.seq ?? 0) + 1;
    if (link.seq <= expected) {
      this.#arrive(link);
      return;
    }
    const missing = link.seq - expected;
    this.#problem({
      seq: expected,
      kind: 'removed',
      message:
        missing === 1
          ? `entry ${expected} is missing`
          : `entries ${expected} to ${link.seq - 1} are missing (${missing} entries)`,
    });
    this.#advance(link, true);
  }
}

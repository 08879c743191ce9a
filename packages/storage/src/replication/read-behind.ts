/**
 * Re-reading content while the rest of a version is still being written: each file is read back
 * through its store and re-hashed as soon as its put returns, so the second hash runs alongside the
 * next file's write and the flush that makes the version durable, instead of after all of it.
 */
import type { BlobStore, PutResult } from '../blobstore/store.ts';
import { readBack } from './copy.ts';

/** Read-backs in flight at most; start() waits for a free slot, which holds back the writer too. */
const IN_FLIGHT = 4;

export class ReadBehind {
  readonly #running = new Set<Promise<void>>();
  readonly #done = new Set<string>();
  #failure: { error: unknown } | undefined;

  constructor(private readonly store: BlobStore) {}

  /** Starts re-reading `key`, which must now hold exactly `expected`; throws a failure met so far. */
  async start(key: string, expected: PutResult): Promise<void> {
    if (expected.reread) {
      this.#done.add(key);
      return;
    }
    while (this.#running.size >= IN_FLIGHT) await Promise.race(this.#running);
    if (this.#failure) throw this.#failure.error;
    // a task never rejects: its failure is kept for all(), so nothing is left unhandled meanwhile
    const task: Promise<void> = readBack(this.store, key, expected).then(
      () => {
        this.#done.add(key);
        this.#running.delete(task);
      },
      (error: unknown) => {
        this.#failure ??= { error };
        this.#running.delete(task);
      },
    );
    this.#running.add(task);
  }

  /** Waits for every read-back; throws the first failure (S-001 missing, S-002 digest or size). */
  async all(): Promise<void> {
    await Promise.all(this.#running);
    if (this.#failure) throw this.#failure.error;
  }

  /** Waits for every read-back without throwing: before files they may be reading are removed. */
  async settled(): Promise<void> {
    await Promise.all(this.#running);
  }

  /** Keys read back and found as written. */
  get verified(): ReadonlySet<string> {
    return this.#done;
  }
}

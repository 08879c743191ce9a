/**
 * The drop folder, for systems that can only export files.
 *
 * A package (a zip or tar file, or a package folder) in DIR counts as complete when
 *   - a file `NAME.ready` appears beside it (write NAME in place, then create NAME.ready), or
 *   - it was renamed into DIR (write elsewhere or under a name starting with "." or ending in ".part"/".tmp",
 *     then rename): an entry is taken once it is unchanged between two scans.
 * A complete package is moved to `DIR/.processing/`, ingested, and moved to `DIR/done/` or `DIR/rejected/` with
 * `NAME.receipt.xml`, `NAME.receipt.xml.p7s`, `NAME.receipt.json`, `NAME.receipt.json.p7s` and `NAME.report.json`
 * beside it. After a restart, packages still in `.processing/` are ingested again; ingest is idempotent by
 * (OBJID, SHA-256), so a package is neither lost nor archived twice. A failure of the archive's own that may pass
 * (a full disk, a store down) leaves the package in `.processing/` for the next scan; any other moves it to
 * `DIR/failed/` with `NAME.error.json` beside it, to be moved back into DIR once the cause is mended.
 * One process at a time watches a folder (I-030 for another): two would take the same package from `.processing/`,
 * and the one that finished last removed what the other had moved to done/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ProcessLock } from '@bevara/storage';
import { failureOf, IngestError, isRetryable } from '../errors.ts';
import { writeDurably } from '../pipeline/ledger.ts';
import type { IngestResult } from '../pipeline/types.ts';
import type { Submitter } from './agreements.ts';

export interface DropFolderOptions {
  submitter: Submitter;
  ingest: (file: string, submitter: Submitter) => Promise<IngestResult>;
  /** How often the folder is scanned; default 2 s. */
  intervalMs?: number;
  log?: (entry: Record<string, unknown>) => void;
}

export interface DropOutcome {
  name: string;
  outcome: 'archived' | 'rejected' | 'failed';
  submissionId?: string;
}

const PROCESSING = '.processing';
/** The watcher's lock in DIR (with `.db`); a scan passes over names starting with '.'. */
const WATCHER_LOCK = '.bevara-watcher.lock';

export class DropFolder {
  private seen = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private scanning: Promise<DropOutcome[]> | undefined;
  private readonly lock: ProcessLock;
  /** Lets go of the folder taken by start(); resolves once it is let go. */
  private release: (() => Promise<void>) | undefined;

  constructor(readonly dir: string, private readonly options: DropFolderOptions) {
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new IngestError('I-025', `drop folder ${dir} is not a folder`, { path: dir });
    for (const sub of ['done', 'rejected', 'failed', PROCESSING]) fs.mkdirSync(path.join(dir, sub), { recursive: true });
    this.lock = new ProcessLock(path.join(dir, WATCHER_LOCK), {
      waitMs: 0,
      busy: (holder) => new IngestError('I-030', `the drop folder ${dir} is watched by another process${holder}`, { path: dir }),
    });
  }

  /** Takes the folder for this process (I-030 when another watches it) and scans it every interval until stop(). */
  async start(): Promise<void> {
    try {
      this.release = await this.lock.hold();
    } catch (e) {
      this.lock.close();
      throw e;
    }
    const tick = () => {
      void this.scan()
        .catch((e: unknown) => this.options.log?.({ level: 'error', msg: 'drop folder scan failed', err: String((e as Error)?.stack ?? e) }))
        .finally(() => { if (this.timer) this.timer = setTimeout(tick, this.options.intervalMs ?? 2000); });
    };
    this.timer = setTimeout(tick, 0);
  }

  /** Stops scanning, waits for a scan under way, and lets the folder go (also when that scan failed). */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    try {
      await this.scanning?.catch(() => undefined);
    } finally {
      await this.release?.().catch(() => undefined);
      this.release = undefined;
      this.lock.close();
    }
  }

  /**
   * One pass: first what a previous run left in .processing, then every complete package. Outside start() and
   * stop() it takes the folder for the pass (I-030 when another process watches it).
   */
  scan(): Promise<DropOutcome[]> {
    this.scanning ??= (this.release ? this.scanOnce() : this.lock.run(() => this.scanOnce())).finally(() => { this.scanning = undefined; });
    return this.scanning;
  }

  private async scanOnce(): Promise<DropOutcome[]> {
    const out: DropOutcome[] = [];
    for (const name of fs.readdirSync(path.join(this.dir, PROCESSING)).sort()) out.push(await this.process(name));
    const names = fs.readdirSync(this.dir).sort();
    const present = new Set(names);
    const current = new Map<string, string>();
    for (const name of names) {
      if (name.startsWith('.') || name === 'done' || name === 'rejected' || name === 'failed' || /\.(part|tmp|ready)$/i.test(name)) continue;
      const ready = present.has(`${name}.ready`);
      const sig = signature(path.join(this.dir, name));
      if (sig === undefined) continue;
      current.set(name, sig);
      if (!ready && this.seen.get(name) !== sig) continue; // not yet known to be complete
      fs.renameSync(path.join(this.dir, name), path.join(this.dir, PROCESSING, name));
      if (ready) fs.rmSync(path.join(this.dir, `${name}.ready`), { force: true });
      current.delete(name);
      out.push(await this.process(name));
    }
    this.seen = current;
    return out;
  }

  private async process(name: string): Promise<DropOutcome> {
    const file = path.join(this.dir, PROCESSING, name);
    let result: IngestResult;
    try {
      result = await this.options.ingest(file, this.options.submitter);
    } catch (e) {
      this.options.log?.({ level: 'error', msg: 'drop folder ingest failed', package: name, err: String((e as Error)?.stack ?? e) });
      // one that may pass (a store down, a full disk) is tried again at the next scan; any other would fail at
      // every scan, and waits in failed/ with its error until someone mends the cause and moves it back
      const error = failureOf(e);
      if (!isRetryable(error.code)) this.setAside(file, name, error);
      return { name, outcome: 'failed' };
    }
    const target = path.join(this.dir, result.outcome === 'archived' ? 'done' : 'rejected');
    writeDurably(path.join(target, `${name}.receipt.xml`), result.receipt.xml);
    writeDurably(path.join(target, `${name}.receipt.xml.p7s`), result.receipt.xmlSignature);
    writeDurably(path.join(target, `${name}.receipt.json`), result.receipt.json);
    writeDurably(path.join(target, `${name}.receipt.json.p7s`), result.receipt.jsonSignature);
    writeDurably(path.join(target, `${name}.report.json`), JSON.stringify(result.report, null, 2) + '\n');
    const dest = path.join(target, name);
    fs.rmSync(dest, { recursive: true, force: true });
    fs.renameSync(file, dest);
    return { name, outcome: result.outcome, submissionId: result.submissionId };
  }

  /**
   * Moves a package whose ingest failed for good into failed/, its error written first beside it. A package failed
   * before under the same name keeps its place: the new one gets a name of its own (NAME.2, NAME.3, ...), since
   * what is in failed/ was never archived and is the only copy. A move that cannot be made leaves the package in
   * .processing (tried again at the next scan).
   */
  private setAside(file: string, name: string, error: { code: string; message: string }): void {
    const failedDir = path.join(this.dir, 'failed');
    let target = name;
    for (let n = 2; fs.existsSync(path.join(failedDir, target)) || fs.existsSync(path.join(failedDir, `${target}.error.json`)); n++) target = `${name}.${n}`;
    try {
      writeDurably(path.join(failedDir, `${target}.error.json`), JSON.stringify(error, null, 2) + '\n');
      fs.renameSync(file, path.join(failedDir, target));
    } catch (e) {
      this.options.log?.({ level: 'error', msg: 'drop folder could not set a failed package aside', package: name, err: String(e) });
    }
  }
}

/** Size and modification times of an entry (recursively for a folder); undefined when it vanished. */
function signature(p: string): string | undefined {
  try {
    const st = fs.lstatSync(p);
    if (st.isSymbolicLink()) return undefined;
    if (!st.isDirectory()) return `${st.size}:${st.mtimeMs}`;
    const parts: string[] = [];
    for (const e of fs.readdirSync(p, { recursive: true, withFileTypes: true })) {
      const q = path.join(e.parentPath, e.name);
      const s = fs.lstatSync(q);
      parts.push(`${path.relative(p, q)}:${s.size}:${s.mtimeMs}`);
    }
    return parts.sort().join('|');
  } catch {
    return undefined;
  }
}

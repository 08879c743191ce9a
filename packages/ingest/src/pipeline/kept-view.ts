/**
 * The package as ingest reads it. Before the file pass, the METS stage and the probe read the METS and ERMS
 * documents (small: what they need to decide whether to store at all); their bytes are kept, within a budget, and
 * served from memory when the file pass reaches them, so every file is read from the container once. Once the
 * pass begins nothing new is kept, and a kept file is let go after it is served.
 */
import { Transform, pipeline, type TransformCallback } from 'node:stream';
import { bufferStream } from '../sip/whole-read.ts';
import type { PackageView } from '../sip/types.ts';

/** Most bytes kept at once; a document that does not fit is simply read again by the pass. */
const KEEP_BUDGET = 64 * 1024 * 1024;

export interface KeptView extends PackageView {
  /** From here on nothing new is kept, and kept files are released as they are served. */
  beginPass(): void;
}

export function keepingView(pkg: PackageView, budget = KEEP_BUDGET): KeptView {
  const kept = new Map<string, Buffer>();
  let used = 0;
  let passing = false;
  return {
    kind: pkg.kind,
    rootName: pkg.rootName,
    singleRoot: pkg.singleRoot,
    entries: pkg.entries,
    has: (p) => pkg.has(p),
    entry: (p) => pkg.entry(p),
    async open(path) {
      const bytes = kept.get(path);
      if (bytes !== undefined) {
        if (passing) {
          kept.delete(path);
          used -= bytes.length;
        }
        return bufferStream(bytes);
      }
      const source = await pkg.open(path);
      if (passing || used + (pkg.entry(path)?.size ?? Infinity) > budget) return source;
      const keeper = new Keeper((all) => {
        if (kept.has(path) || used + all.length > budget) return;
        kept.set(path, all);
        used += all.length;
      });
      // Either side failing or stopping early ends both; a document read only in part is not kept.
      return pipeline(source, keeper, () => undefined);
    },
    beginPass() {
      passing = true;
    },
    async close() {
      kept.clear();
      await pkg.close();
    },
  };
}

/** Passes the bytes on and hands them all over once the stream has ended whole. */
class Keeper extends Transform {
  private readonly parts: Buffer[] = [];

  constructor(private readonly onWhole: (all: Buffer) => void) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.parts.push(chunk);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    this.onWhole(Buffer.concat(this.parts));
    done();
  }
}

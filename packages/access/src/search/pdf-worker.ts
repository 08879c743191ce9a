/**
 * The text of PDF documents, read by pdf.js on a worker thread. pdf.js parses what submitters sent: on the
 * archive's own thread a crafted document could hold it as long as it liked, or fill its heap, and with it the
 * ingest or the server. On the worker each document has a time limit, and a memory limit: the worker's heap, and
 * what the process grows by while the document is read (pdf.js inflates streams into buffers outside the heap; a
 * 783 KB PDF whose content inflates to 768 MB took 2 GB). A document that passes a limit gives no text (as an
 * unreadable one does), the worker is ended and the next document gets a new one. An AIP's documents share a
 * budget (PdfBudget): once a few have passed a limit, or all together have taken their time, the rest are not
 * read, so a package of crafted PDFs cannot hold the archive's write lock (indexing runs under it) for an hour.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

export interface PdfWorkerLimits {
  /** Time one document may take, from when the worker takes it. */
  documentMillis: number;
  /** The worker's heap (V8's old generation), and what the process may grow by while one document is read, in MB. */
  memoryMb: number;
  /** Characters of text kept per document. */
  maxChars: number;
}

/**
 * What one AIP's PDFs may still take before the rest of them are not read at all: documents that pass a limit,
 * and reading time in all.
 */
export interface PdfBudget {
  overLimitLeft: number;
  millisLeft: number;
}

/**
 * What became of a document, kept in the catalog so an archivist can see which documents search cannot find by
 * their text: 'read' (its text, possibly none), 'unreadable' (the reader failed on it), 'over-limit' (it passed
 * the time or memory limit, or its worker died on it), 'not-read' (its AIP's budget was spent, or no worker
 * could start).
 */
export type TextOutcome = 'read' | 'unreadable' | 'over-limit' | 'not-read';

/** A document's text and what became of it; the text is '' unless the outcome is 'read'. */
export interface DocumentText {
  text: string;
  outcome: TextOutcome;
}

/** How often the process's memory is looked at while a document is read. */
const MEMORY_CHECK_MILLIS = 50;
/** Looks in a row that find the worker over its memory limit before it is ended (not a passing peak). */
const MEMORY_CHECKS_OVER = 2;

// Plain JavaScript run with `eval`, so it loads the same under tsx, vitest and a build.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
// pdf.js writes its warnings with console.log; they are not the archive's output
for (const name of ['log', 'info', 'warn', 'error', 'debug']) console[name] = () => {};
// pdf.js loads its parser (pdf.worker.mjs) at the first document unless globalThis.pdfjsWorker holds it: both load
// when the worker starts, ahead of the first document. It also tries to load @napi-rs/canvas, to draw pages, which
// the install leaves out (README): text needs no drawing.
const pdfjs = Promise.all([import(workerData.pdfjs), import(workerData.pdfjsWorker)]).then(([api, parser]) => {
  globalThis.pdfjsWorker = parser;
  return api;
});
pdfjs.catch(() => undefined);
async function textOf(bytes) {
  const { getDocument } = await pdfjs;
  const task = getDocument({ data: new Uint8Array(bytes), isEvalSupported: false, disableFontFace: true, useSystemFonts: false, stopAtErrors: false, verbosity: 0 });
  const doc = await task.promise;
  try {
    const parts = [];
    let length = 0;
    for (let n = 1; n <= doc.numPages && length < workerData.maxChars; n++) {
      const page = await doc.getPage(n);
      const content = await page.getTextContent();
      for (const item of content.items) {
        if ('str' in item) {
          parts.push(item.str);
          length += item.str.length;
        }
      }
      page.cleanup();
    }
    return parts.join(' ');
  } finally {
    await task.destroy();
  }
}
parentPort.on('message', ({ id, bytes }) => {
  textOf(bytes).then(
    (text) => parentPort.postMessage({ id, text }),
    () => parentPort.postMessage({ id, text: null }),
  );
});
`;

interface Job {
  bytes: Buffer;
  budget: PdfBudget;
  resolve: (result: DocumentText) => void;
}

interface Running {
  id: number;
  job: Job;
  started: number;
  /** The time the document may take; all of it is charged to the budget when it runs out. */
  allowed: number;
  timedOut: boolean;
  timer: NodeJS.Timeout;
  memory: NodeJS.Timeout;
}

/** One worker at a time, one document at a time: a document that fails in any way gives no text, and says why. */
export class PdfTextWorker {
  readonly #limits: PdfWorkerLimits;
  readonly #queue: Job[] = [];
  #worker: Worker | undefined;
  #current: Running | undefined;
  #nextId = 0;

  /** `limits` is read as each document starts: a change holds from the next one on. */
  constructor(limits: PdfWorkerLimits) {
    this.#limits = limits;
  }

  /** Starts the worker, which loads pdf.js, ahead of the first document. A worker that cannot start is left to text(). */
  start(): void {
    try {
      this.#worker ??= this.#spawn();
    } catch {
      // text() tries again, and gives no text if it fails too
    }
  }

  /** The document's text, none when it cannot be read within the limits or `budget` is spent. */
  text(bytes: Buffer, budget: PdfBudget): Promise<DocumentText> {
    return new Promise((resolve) => {
      this.#queue.push({ bytes, budget, resolve });
      this.#next();
    });
  }

  #spawn(): Worker {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { ...pdfjsUrls(), maxChars: this.#limits.maxChars },
      resourceLimits: { maxOldGenerationSizeMb: this.#limits.memoryMb },
    });
    worker.on('message', ({ id, text }: { id: number; text: string | null }) => {
      if (this.#current?.id !== id) return;
      this.#settle(text === null ? NO_TEXT.unreadable : { text, outcome: 'read' });
    });
    // Out of heap, or ended: the document it held gives no text (and counts as over a limit), the next one a new
    // worker.
    const gone = (): void => {
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      if (this.#current) {
        this.#current.job.budget.overLimitLeft--;
        this.#settle(NO_TEXT.overLimit);
      }
    };
    worker.on('error', gone);
    worker.on('exit', gone);
    // an idle worker does not keep the process alive; one holding a document does (#next)
    worker.unref();
    return worker;
  }

  #next(): void {
    while (!this.#current && this.#queue.length > 0) {
      const job = this.#queue.shift()!;
      if (job.budget.overLimitLeft <= 0 || job.budget.millisLeft <= 0) {
        job.resolve(NO_TEXT.notRead);
        continue;
      }
      let worker: Worker;
      try {
        worker = this.#worker ??= this.#spawn();
      } catch {
        job.resolve(NO_TEXT.notRead); // no worker can start (a thread limit)
        continue;
      }
      this.#run(worker, job);
    }
  }

  #run(worker: Worker, job: Job): void {
    const id = this.#nextId++;
    const limits = this.#limits;
    // past a limit, with the worker still on it: it goes, and the document gives no text
    const end = (): void => {
      job.budget.overLimitLeft--;
      this.#worker = undefined;
      void worker.terminate();
      this.#settle(NO_TEXT.overLimit);
    };
    const allowed = Math.min(limits.documentMillis, job.budget.millisLeft);
    const timer = setTimeout(() => {
      running.timedOut = true;
      end();
    }, allowed);
    // The worker's memory is what the process holds beyond this thread's own heap and buffers: another part of
    // the process allocating meanwhile does not count against the document.
    const others = (): number => {
      const m = process.memoryUsage();
      return m.rss - m.heapTotal - m.external;
    };
    const atStart = others();
    let over = 0;
    const memory = setInterval(() => {
      over = others() - atStart > limits.memoryMb * 1024 * 1024 ? over + 1 : 0;
      if (over >= MEMORY_CHECKS_OVER) end();
    }, MEMORY_CHECK_MILLIS);
    const running: Running = { id, job, started: performance.now(), allowed, timedOut: false, timer, memory };
    this.#current = running;
    worker.ref();
    // a copy of its own, handed over, made only now: the caller's Buffer may be a view of a larger one, and
    // copies made as documents queue would double what the queue holds
    const bytes = new ArrayBuffer(job.bytes.length);
    new Uint8Array(bytes).set(job.bytes);
    worker.postMessage({ id, bytes }, [bytes]);
  }

  #settle(result: DocumentText): void {
    const current = this.#current!;
    clearTimeout(current.timer);
    clearInterval(current.memory);
    // a timer may fire a little early by the clock read here
    current.job.budget.millisLeft -= current.timedOut ? current.allowed : performance.now() - current.started;
    this.#current = undefined;
    this.#worker?.unref();
    current.job.resolve(result);
    this.#next();
  }
}

const NO_TEXT = {
  unreadable: { text: '', outcome: 'unreadable' },
  overLimit: { text: '', outcome: 'over-limit' },
  notRead: { text: '', outcome: 'not-read' },
} as const satisfies Record<string, DocumentText>;

/** Resolved when the first worker starts: a command that reads no PDF does not need pdfjs-dist installed. */
function pdfjsUrls(): { pdfjs: string; pdfjsWorker: string } {
  const resolve = createRequire(import.meta.url).resolve;
  return {
    pdfjs: pathToFileURL(resolve('pdfjs-dist/legacy/build/pdf.mjs')).href,
    pdfjsWorker: pathToFileURL(resolve('pdfjs-dist/legacy/build/pdf.worker.mjs')).href,
  };
}

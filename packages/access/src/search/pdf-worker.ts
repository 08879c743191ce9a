/**
 * The text of PDF documents, read by pdf.js on a worker thread. pdf.js parses what submitters sent: on the
 * archive's own thread a crafted document could hold it as long as it liked, or fill its heap, and with it the
 * ingest or the server. On the worker each document has a time limit and the worker a heap limit; a document
 * that passes either gives no text (as an unreadable one does), and the next document gets a new worker.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

export interface PdfWorkerLimits {
  /** Time one document may take, from when the worker takes it. */
  documentMillis: number;
  /** The worker's heap (V8's old generation), in MB. */
  heapMb: number;
  /** Characters of text kept per document. */
  maxChars: number;
}

// Plain JavaScript run with `eval`, so it loads the same under tsx, vitest and a build.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
// pdf.js writes its warnings with console.log; they are not the archive's output
for (const name of ['log', 'info', 'warn', 'error', 'debug']) console[name] = () => {};
// pdf.js loads its parser (pdf.worker.mjs) at the first document unless globalThis.pdfjsWorker holds it: both load
// when the worker starts, ahead of the first document
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
    () => parentPort.postMessage({ id, text: '' }),
  );
});
`;

interface Job {
  bytes: ArrayBuffer;
  resolve: (text: string) => void;
}

/** One worker at a time, one document at a time: the text of a document that fails in any way is ''. */
export class PdfTextWorker {
  readonly #limits: PdfWorkerLimits;
  readonly #queue: Job[] = [];
  #worker: Worker | undefined;
  #current: { id: number; job: Job; timer: NodeJS.Timeout } | undefined;
  #nextId = 0;

  constructor(limits: PdfWorkerLimits) {
    this.#limits = limits;
  }

  /** Starts the worker, which loads pdf.js, ahead of the first document. */
  start(): void {
    this.#worker ??= this.#spawn();
  }

  /** The document's text, '' when it cannot be read within the limits. */
  text(bytes: Buffer): Promise<string> {
    return new Promise((resolve) => {
      // a copy of its own, handed over: the caller's Buffer may be a view of a larger one
      const copy = new ArrayBuffer(bytes.length);
      new Uint8Array(copy).set(bytes);
      this.#queue.push({ bytes: copy, resolve });
      this.#next();
    });
  }

  #spawn(): Worker {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { pdfjs: PDFJS_URL, pdfjsWorker: PDFJS_WORKER_URL, maxChars: this.#limits.maxChars },
      resourceLimits: { maxOldGenerationSizeMb: this.#limits.heapMb },
    });
    worker.on('message', ({ id, text }: { id: number; text: string }) => {
      if (this.#current?.id !== id) return;
      this.#settle(text);
    });
    // Out of heap, or ended: the document it held gives no text, and the next one a new worker.
    const gone = (): void => {
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      if (this.#current) this.#settle('');
    };
    worker.on('error', gone);
    worker.on('exit', gone);
    // an idle worker does not keep the process alive; one holding a document does (#next)
    worker.unref();
    return worker;
  }

  #next(): void {
    if (this.#current || this.#queue.length === 0) return;
    const job = this.#queue.shift()!;
    const worker = (this.#worker ??= this.#spawn());
    const id = this.#nextId++;
    const timer = setTimeout(() => {
      // the worker is still on it: it goes, and the document gives no text
      this.#worker = undefined;
      void worker.terminate();
      this.#settle('');
    }, this.#limits.documentMillis);
    this.#current = { id, job, timer };
    worker.ref();
    worker.postMessage({ id, bytes: job.bytes }, [job.bytes]);
  }

  #settle(text: string): void {
    const current = this.#current!;
    clearTimeout(current.timer);
    this.#current = undefined;
    this.#worker?.unref();
    current.job.resolve(text);
    this.#next();
  }
}

const resolve = createRequire(import.meta.url).resolve;
const PDFJS_URL = pathToFileURL(resolve('pdfjs-dist/legacy/build/pdf.mjs')).href;
const PDFJS_WORKER_URL = pathToFileURL(resolve('pdfjs-dist/legacy/build/pdf.worker.mjs')).href;

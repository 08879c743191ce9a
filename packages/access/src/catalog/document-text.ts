/**
 * The searchable text of each record's documents, read several at a time but handed out in the records'
 * order. FTS5 wants its rows in rowid order (see extension.ts), and reading one document at a time left
 * the process waiting on the file system: a 10,000-document AIP took 4 s, the main thread mostly idle.
 */
import { extractText, pdfBudget, type DocumentText, type TextKind, type TextOutcome } from '../search/text.ts';

/** One document to read for text: its AIP path, its reader and its stored size (for the byte budget). */
export interface TextSource {
  path: string;
  kind: TextKind;
  size: number;
}

/** Documents being read at once: enough to keep the file system's thread pool busy. */
export const MAX_TEXT_READS = 16;
/** Bytes of documents held at once; one larger document is still read, alone. */
export const MAX_TEXT_BYTES = 64 * 1024 * 1024;

type Settled = { ok: true; read: DocumentText } | { ok: false; error: unknown };

/**
 * Calls `emit` once per record, in the given order, with its documents' text joined by newlines ('' when
 * it has none) and what became of each document, in the order of its sources. A failed read fails the whole
 * call, after the reads already started have settled, as a sequential read would have.
 */
export async function forEachRecordText<R extends { sources: readonly TextSource[] }>(
  records: readonly R[],
  read: (path: string) => Promise<Buffer>,
  emit: (record: R, text: string, outcomes: TextOutcome[]) => void,
): Promise<void> {
  // one AIP's PDFs share the allowance for documents that pass a limit
  const budget = pdfBudget();
  const texts = new Map<number, DocumentText[]>();
  let emitted = 0;
  // Every record before `frontier` has all its documents read: their rows can go out.
  const emitUpTo = (frontier: number): void => {
    for (; emitted < frontier; emitted++) {
      const documents = texts.get(emitted) ?? [];
      emit(records[emitted]!, documents.map((d) => d.text).join('\n'), documents.map((d) => d.outcome));
      texts.delete(emitted);
    }
  };
  // Reads in the order they were started, which is the records' order.
  const running: { record: number; size: number; text: Promise<Settled> }[] = [];
  let bytes = 0;
  const finishOldest = async (waiting: number): Promise<void> => {
    const job = running.shift()!;
    const settled = await job.text;
    bytes -= job.size;
    if (!settled.ok) throw settled.error;
    const list = texts.get(job.record);
    if (list) list.push(settled.read);
    else texts.set(job.record, [settled.read]);
    emitUpTo(running[0]?.record ?? waiting);
  };

  // A document several records name is read once: its text is kept from its first read until its last record.
  const namings = new Map<string, number>();
  for (const record of records) for (const source of record.sources) namings.set(source.path, (namings.get(source.path) ?? 0) + 1);
  const shared = new Map<string, Promise<Settled>>();
  try {
    for (const [index, record] of records.entries()) {
      for (const source of record.sources) {
        const kept = shared.get(source.path);
        const size = kept ? 0 : source.size;
        while (running.length > 0 && (running.length >= MAX_TEXT_READS || bytes + size > MAX_TEXT_BYTES)) await finishOldest(index);
        const text = kept ?? read(source.path).then((b) => extractText(source.kind, b, budget)).then((t): Settled => ({ ok: true, read: t }), (error: unknown): Settled => ({ ok: false, error }));
        const left = namings.get(source.path)! - 1;
        namings.set(source.path, left);
        if (left > 0) shared.set(source.path, text);
        else shared.delete(source.path);
        running.push({ record: index, size, text });
        bytes += size;
      }
    }
    while (running.length > 0) await finishOldest(records.length);
    emitUpTo(records.length);
  } catch (e) {
    await Promise.all(running.map((r) => r.text));
    throw e;
  }
}

/**
 * The submitted package as AIP files: every file of the package under `submission/`, each streamed once into
 * storage through an ObservingStream (SHA-256, size, PRONOM format in the same pass), with the METS-declared
 * SHA-256 handed to storage so a file that changed since validation aborts the version. Once every package
 * file has been stored, the caller's closing files (receipt, report) are produced from what was observed.
 */
import { finished } from 'node:stream/promises';
import type { AipFile } from '@bevara/storage';
import type { Identification } from '../formats/identify.ts';
import type { PackageView } from '../sip/types.ts';
import { ObservingStream, type Observed } from './observe.ts';

export const SUBMISSION_DIR = 'submission';

export interface StoredFile extends Observed {
  /** Path inside the package. */
  path: string;
}

export interface PackageFiles {
  files: AsyncIterable<AipFile>;
  /** Filled as files are stored, in package order. */
  stored: StoredFile[];
}

export function packageFiles(
  pkg: PackageView,
  declaredSha256: ReadonlyMap<string, string>,
  onStored: (file: StoredFile, index: number, total: number) => void,
  closing: (stored: StoredFile[]) => AipFile[],
): PackageFiles {
  const stored: StoredFile[] = [];
  const paths = pkg.entries.filter((e) => e.type === 'file').map((e) => e.path).sort();
  async function* files(): AsyncGenerator<AipFile> {
    // Storage writes several files at once, so a file is complete only when its stream has ended.
    const ends: Promise<unknown>[] = [];
    for (const path of paths) {
      const stream = new ObservingStream(path);
      const source = (await pkg.open(path)).on('error', (e) => stream.destroy(e));
      source.pipe(stream);
      ends.push(finished(stream).then(() => {
        if (stream.result === undefined) return;
        stored.push({ path, ...stream.result });
        onStored(stored[stored.length - 1]!, stored.length, paths.length);
      }));
      const declared = declaredSha256.get(path);
      yield {
        path: `${SUBMISSION_DIR}/${path}`,
        source: stream,
        ...(declared ? { sha256: declared } : {}),
        // Read by storage only after the bytes were consumed, when the identification is known.
        get format() {
          return formatOf(stream.result?.identification);
        },
      };
    }
    await Promise.allSettled(ends);
    // A file that did not end failed its write, and storage aborts the version: no receipt for a partial package.
    if (stored.length < paths.length) return;
    stored.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    yield* closing(stored);
  }
  return { files: files(), stored };
}

function formatOf(id: Identification | undefined): AipFile['format'] {
  if (id === undefined || id.puid === null) return undefined;
  return { puid: id.puid, ...(id.name ? { name: id.name } : {}), ...(id.mime ? { mimeType: id.mime } : {}) };
}

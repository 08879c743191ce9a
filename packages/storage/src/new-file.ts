/**
 * A stream writing a new file that exists by the time the stream is handed out.
 *
 * `fs.createWriteStream` opens its file later, on the thread pool. A pipeline whose source fails at once (an upload
 * cut off as it starts) rejects before that open has run, so the caller's cleanup could remove the path first and
 * the open then create the file after it: a partial file left behind for good. Opening first closes that window.
 */
import type { WriteStream } from 'node:fs';
import { open } from 'node:fs/promises';

/** Creates `file`, which must not exist (EEXIST otherwise), and returns a stream that writes it and closes it. */
export async function createNewFile(file: string): Promise<WriteStream> {
  const handle = await open(file, 'wx');
  return handle.createWriteStream();
}

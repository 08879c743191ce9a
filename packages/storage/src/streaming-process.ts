/**
 * V8 settings for a process that streams large files through Bevara; the `bevara` command applies them when it
 * starts. A large file moves through Bevara in 1 MiB chunks, each a fresh buffer that dies young. V8 frees such
 * buffers on a background thread by default, and its count of memory held outside the heap lags behind the frees:
 * it then sees pressure that is not there and runs a full collection every 64 MB or so (about 36 per GB written
 * when node-forge was loaded whole at every start; 10 to 13 now with forge loaded, as it is for an archive whose
 * key is a PKCS#12 file; 1 to 5 without). Freed within the collection that finds them dead, the count stays true:
 * 0 to 1 per GB, and writing a 1 GB file into an AIP took about 12% less time on two cores when the storm ran.
 */
import v8 from 'node:v8';

export function tuneForStreaming(): void {
  v8.setFlagsFromString('--no-concurrent-array-buffer-sweeping');
}

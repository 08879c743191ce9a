/**
 * The victim of the crash test: a process that writes AIPs with many files through the public storage
 * API in an endless loop until it is SIGKILLed. After each AIP or version it prints
 * "committed <id> <head>" (what the caller may expect to survive).
 *
 * Usage: crash-writer.ts ARCHIVE_DIR [KILL_AT_PUT MODE]
 * With KILL_AT_PUT the process SIGKILLs itself at its n-th blob-store put: MODE "before" (the put never
 * starts), "during" (the put has started writing), "after" (the put has finished, before its caller
 * goes on) or "later" (a few milliseconds after it finished, while the caller does what comes next). The store still
 * does every write itself; this only chooses the instant of the crash precisely, which a timer cannot.
 */
import { Archive, LocalBlobStore } from '@bevara/storage';
import { CRASH_FILE_SIZE, seededBytes, sha256 } from './archive.ts';

const [dir, killAtArg, mode = 'during'] = process.argv.slice(2);
if (!dir) throw new Error('usage: crash-writer.ts ARCHIVE_DIR [KILL_AT_PUT MODE]');

const FILES_PER_AIP = 30;

if (killAtArg) {
  const killAt = Number(killAtArg);
  let puts = 0;
  const put = LocalBlobStore.prototype.put;
  LocalBlobStore.prototype.put = function (this: LocalBlobStore, ...args: Parameters<typeof put>) {
    if (++puts === killAt) {
      if (mode === 'before') process.kill(process.pid, 'SIGKILL');
      const written = put.apply(this, args);
      if (mode === 'during') setImmediate(() => process.kill(process.pid, 'SIGKILL'));
      else if (mode === 'after') void written.then(() => process.kill(process.pid, 'SIGKILL'));
      else void written.then(() => setTimeout(() => process.kill(process.pid, 'SIGKILL'), 3));
      return written;
    }
    return put.apply(this, args);
  };
}

const file = (p: string) => {
  const bytes = seededBytes(p, CRASH_FILE_SIZE);
  return { path: p, source: bytes, size: bytes.length, sha256: sha256(bytes) };
};
const event = { type: 'ingestion', detail: 'crash test', outcome: 'success' as const, agents: [{ id: 'bevara' }] };

const archive = await Archive.open(dir);
const run = `${process.pid}`;
let last: string | undefined;
for (let i = 0; ; i++) {
  if (last && i % 3 === 2) {
    // A new version of the last AIP: new files only, so every path has one fixed content.
    const aip = await archive.addVersion(last, {
      files: Array.from({ length: 5 }, (_, j) => file(`submission/representations/rep1/data/${run}-${i}-v-${j}.bin`)),
      events: [event],
      message: `update ${i}`,
      user: { name: 'crash test' },
    });
    process.stdout.write(`committed ${aip.id} ${aip.head}\n`);
  } else {
    const aip = await archive.createAip({
      label: `crash ${run} ${i}`,
      files: Array.from({ length: FILES_PER_AIP }, (_, j) => file(`submission/representations/rep1/data/${run}-${i}-${j}.bin`)),
      events: [event],
      message: `ingest ${i}`,
      user: { name: 'crash test' },
    });
    last = aip.id;
    process.stdout.write(`committed ${aip.id} ${aip.head}\n`);
  }
}

// Child process of bench/storage.ts: one storage operation, timed inside the process.
import fs from 'node:fs';
import path from 'node:path';
import { Archive, tuneForStreaming } from '@bevara/storage';

const [op, archiveDir, arg] = process.argv.slice(2);
// as the bevara command does when it runs a command (cli/src/context.ts)
tuneForStreaming();
const archive = await Archive.open(archiveDir!);
const t0 = process.hrtime.bigint();
let out: unknown;
if (op === 'write-file') {
  const file = arg!;
  const aip = await archive.createAip({
    label: 'bench 1 GB',
    message: 'bench',
    user: { name: 'bench' },
    files: [{ path: `representations/rep1/data/${path.basename(file)}`, source: fs.createReadStream(file, { highWaterMark: 1 << 20 }) }],
    events: [],
  });
  out = aip.id;
} else if (op === 'write-many') {
  const dir = arg!;
  const names = fs.readdirSync(dir).sort();
  const aip = await archive.createAip({
    label: 'bench many files',
    message: 'bench',
    user: { name: 'bench' },
    files: (function* () {
      for (const n of names) yield { path: `representations/rep1/data/${n}`, source: fs.createReadStream(path.join(dir, n)) };
    })(),
    events: [],
  });
  out = aip.id;
} else if (op === 'verify') {
  const [r] = await archive.verify([arg!]);
  if (!r?.ok) throw new Error(`verify failed: ${JSON.stringify(r?.findings.slice(0, 3))}`);
  out = r.files;
} else {
  throw new Error(`unknown op ${op}`);
}
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
await archive.close();
process.stdout.write(JSON.stringify({ seconds, out }) + '\n');

/**
 * Ingest benchmarks (issue 5), each against a baseline measured in the same run on the same package:
 *  1. `bevara ingest` of a 1 GB single-file SIP (a stored zip) vs `cp` + `sync` of that zip into the archive's
 *     filesystem (target ≤ 1.5×);
 *  2. `bevara ingest` of a 10,000-file SIP (zip) vs `unzip` of it + `sha256sum` over its files (target ≤ 3×);
 *  3. peak RSS of `bevara ingest` of a 10 GB SIP (target < 300 MB); it needs about twice the package's size free,
 *     and is skipped, saying so, when there is less.
 * Bevara's figure is the whole command as a user runs it (node, tsx, opening the archive); the start-up of a
 * command that does nothing (`bevara list`) is measured too and printed, with the ratio without it.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generatePackage } from '../packages/ingest/src/generator/generate.ts';
import { writeZip } from '../packages/ingest/src/generator/writers.ts';
import { median, report, rounds, timed } from './lib.ts';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const BIG = Number(process.env['BENCH_BIG_BYTES'] ?? 1024 ** 3);
const FILES = Number(process.env['BENCH_SMALL_FILES'] ?? 10_000);
const HUGE = Number(process.env['BENCH_HUGE_BYTES'] ?? 10 * 1024 ** 3);
/** The generator streams one large file of at most this size; a bigger SIP is made of several. */
const GENERATOR_MAX_FILE = 2 ** 31 - 1;
const ROOT = path.dirname(import.meta.dirname);
const BIN = path.join(ROOT, 'packages/cli/bin/bevara.js');
const work = fs.mkdtempSync(path.join(process.env['BENCH_DIR'] ?? os.tmpdir(), 'bevara-bench-ingest-'));

const bevara = (args: string[]) => timed(process.execPath, [BIN, ...args], { cwd: ROOT });

async function newArchive(name: string): Promise<string> {
  const dir = path.join(work, name);
  await bevara(['init', dir, '--json']);
  return dir;
}

/** Ingests `pkg` into a new archive; the command must archive it (exit 0). */
async function ingest(name: string, pkg: string): Promise<{ wall: number; rssKb: number }> {
  const archive = await newArchive(name);
  execFileSync('sync');
  const r = await bevara(['ingest', pkg, '--archive', archive, '--json']);
  const line = JSON.parse(r.stdout.trim()) as { outcome: string };
  if (line.outcome !== 'archived') throw new Error(`benchmark package was not archived: ${r.stdout.slice(0, 2000)}`);
  fs.rmSync(archive, { recursive: true, force: true });
  return r;
}

async function startUp(): Promise<number> {
  const archive = await newArchive('startup');
  const walls: number[] = [];
  for (let i = 0; i < ROUNDS; i++) walls.push((await bevara(['list', '--archive', archive])).wall);
  fs.rmSync(archive, { recursive: true, force: true });
  return median(walls);
}

function withoutStartUp(label: string, bevaraWalls: number[], baseline: number[], start: number): void {
  console.log(`  without start-up (${start.toFixed(2)} s): ratio ${((median(bevaraWalls) - start) / median(baseline)).toFixed(2)}× (${label})`);
}

try {
  const start = await startUp();

  // 1. one big file in a stored zip
  const bigZip = path.join(work, 'big.zip');
  await writeZip(generatePackage({ profile: 'fgs12', seed: 'bench-big', organisation: 'Exempelby kommun', cases: 1, bigFile: { bytes: Math.min(BIG, GENERATOR_MAX_FILE) } }), bigZip);
  // the package on disk before anything is timed: its write-back would otherwise land in the first baseline's sync
  execFileSync('sync');
  const bigSize = fs.statSync(bigZip).size;
  const cpTimes: number[] = [];
  const bigTimes: number[] = [];
  let bigRss = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const archive = await newArchive(`cp-${i}`);
    execFileSync('sync');
    cpTimes.push((await timed('sh', ['-c', `cp "${bigZip}" "${archive}/copy.zip" && sync`])).wall);
    fs.rmSync(archive, { recursive: true, force: true });
    const r = await ingest(`big-${i}`, bigZip);
    bigTimes.push(r.wall);
    bigRss = Math.max(bigRss, r.rssKb);
  }
  report(`ingest a ${(bigSize / 1e9).toFixed(2)} GB single-file SIP vs cp+sync`, '≤ 1.5×', bigTimes, cpTimes);
  rounds(bigTimes, cpTimes);
  withoutStartUp('big', bigTimes, cpTimes, start);
  console.log(`  peak RSS ${(bigRss / 1024).toFixed(0)} MB`);
  fs.rmSync(bigZip);

  // 2. many small files
  const manyZip = path.join(work, 'many.zip');
  await writeZip(generatePackage({ profile: 'fgs12', seed: 'bench-many', organisation: 'Exempelby kommun', cases: 20, extraFiles: FILES }), manyZip);
  execFileSync('sync');
  const unzipTimes: number[] = [];
  const manyTimes: number[] = [];
  let manyRss = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const out = path.join(work, `unzipped-${i}`);
    unzipTimes.push((await timed('sh', ['-c', `unzip -q "${manyZip}" -d "${out}" && find "${out}" -type f -print0 | xargs -0 sha256sum > /dev/null`])).wall);
    fs.rmSync(out, { recursive: true, force: true });
    const r = await ingest(`many-${i}`, manyZip);
    manyTimes.push(r.wall);
    manyRss = Math.max(manyRss, r.rssKb);
  }
  report(`ingest a ${FILES}-file SIP vs unzip + sha256sum`, '≤ 3×', manyTimes, unzipTimes);
  rounds(manyTimes, unzipTimes);
  withoutStartUp('many', manyTimes, unzipTimes, start);
  console.log(`  peak RSS ${(manyRss / 1024).toFixed(0)} MB`);
  fs.rmSync(manyZip);

  // 3. peak memory on a huge package
  const free = fs.statfsSync(work);
  const freeBytes = free.bavail * free.bsize;
  if (freeBytes < 2 * HUGE + 1024 ** 3) {
    console.log(`peak RSS on a ${(HUGE / 1e9).toFixed(1)} GB SIP: SKIPPED, it needs about ${((2 * HUGE + 1024 ** 3) / 1e9).toFixed(0)} GB free in ${work} and ${(freeBytes / 1e9).toFixed(1)} GB are`);
  } else {
    // The generator streams files of at most GENERATOR_MAX_FILE bytes: the huge SIP holds several of equal size.
    const count = Math.ceil(HUGE / GENERATOR_MAX_FILE);
    const hugeZip = path.join(work, 'huge.zip');
    await writeZip(generatePackage({ profile: 'fgs12', seed: 'bench-huge', organisation: 'Exempelby kommun', cases: 1, bigFile: { bytes: Math.floor(HUGE / count), count } }), hugeZip);
    execFileSync('sync');
    const r = await ingest('huge', hugeZip);
    console.log(`peak RSS ingesting a ${(fs.statSync(hugeZip).size / 1e9).toFixed(2)} GB SIP (${count} large files): ${(r.rssKb / 1024).toFixed(0)} MB (target < 300 MB), ${r.wall.toFixed(1)} s`);
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}

/**
 * Storage benchmarks (issue 3), ratios against baselines measured in the same run:
 *  1. writing a 1 GB file into a new AIP on the local store vs `cp` + `sync` of the same file (target ≤ 1.3×);
 *  2. verifying 10,000 small files vs the faster of `sha256sum` and `openssl dgst -sha256` (target ≤ 1.5×);
 *  peak RSS of both under 200 MB.
 * Bevara's figure is the operation timed inside its process (its start-up is reported apart).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Archive } from '@bevara/storage';
import { loadAverage, median, report, rounds, timed } from './lib.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const BIG = Number(process.env.BENCH_BIG_BYTES ?? 1024 ** 3);
const SMALL_FILES = Number(process.env.BENCH_SMALL_FILES ?? 10_000);
const child = path.join(import.meta.dirname, 'storage-child.ts');
const work = fs.mkdtempSync(path.join(process.env.BENCH_DIR ?? os.tmpdir(), 'bevara-bench-'));

async function bevara(op: string, archive: string, arg: string): Promise<{ seconds: number; wall: number; rssKb: number; out: unknown }> {
  const r = await timed(process.execPath, ['--import', 'tsx', child, op, archive, arg], { cwd: path.dirname(import.meta.dirname) });
  const parsed = JSON.parse(r.stdout.trim().split('\n').pop()!) as { seconds: number; out: unknown };
  return { ...parsed, wall: r.wall, rssKb: r.rssKb };
}

async function newArchive(name: string): Promise<string> {
  const dir = path.join(work, name);
  await (await Archive.init(dir)).close();
  return dir;
}

try {
  // 1. one big file
  const big = path.join(work, 'big.bin');
  execFileSync('openssl', ['rand', '-out', big, String(BIG)]);
  // the file on disk before anything is timed: its write-back would otherwise land in the first baseline's sync
  execFileSync('sync');
  const cpTimes: number[] = [];
  const bevTimes: number[] = [];
  let bevRss = 0;
  let bevWall = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const dest = path.join(work, `copy-${i}.bin`);
    execFileSync('sync');
    cpTimes.push((await timed('sh', ['-c', `cp "${big}" "${dest}" && sync`])).wall);
    fs.rmSync(dest);
    const archive = await newArchive(`big-${i}`);
    execFileSync('sync');
    const r = await bevara('write-file', archive, big);
    bevTimes.push(r.seconds);
    bevRss = Math.max(bevRss, r.rssKb);
    bevWall = Math.max(bevWall, r.wall - r.seconds);
    fs.rmSync(archive, { recursive: true });
  }
  report(`write ${(BIG / 1e9).toFixed(2)} GB into a new AIP vs cp+sync`, '≤ 1.3×', bevTimes, cpTimes);
  rounds(bevTimes, cpTimes);
  console.log(`  load average ${loadAverage()} (the ratio means something only on an otherwise idle machine)`);
  console.log(`  peak RSS ${(bevRss / 1024).toFixed(0)} MB (target < 200 MB); process start-up and archive open ≈ ${bevWall.toFixed(2)} s extra`);
  fs.rmSync(big);

  // 2. many small files
  const src = path.join(work, 'small');
  fs.mkdirSync(src);
  for (let i = 0; i < SMALL_FILES; i++) fs.writeFileSync(path.join(src, `f${String(i).padStart(5, '0')}.bin`), randomBytes(1024 + ((i * 7919) % 15360)));
  const archive = await newArchive('small-archive');
  const written = await bevara('write-many', archive, src);
  const aipId = written.out as string;
  console.log(`  (stored ${SMALL_FILES} files in ${written.seconds.toFixed(2)} s)`);
  const contentDir = execFileSync('sh', ['-c', `dirname "$(find "${archive}/store" -name inventory.json -path '*/v1/*' | head -1)"`]).toString().trim() + '/content';
  const list = path.join(work, 'files.txt');
  execFileSync('sh', ['-c', `find "${contentDir}" -type f > "${list}"`]);
  const shaTimes: number[] = [];
  const osslTimes: number[] = [];
  const verTimes: number[] = [];
  let verRss = 0;
  for (let i = 0; i < ROUNDS; i++) {
    shaTimes.push((await timed('sh', ['-c', `xargs -d '\\n' sha256sum < "${list}" > /dev/null`])).wall);
    osslTimes.push((await timed('sh', ['-c', `xargs -d '\\n' openssl dgst -sha256 < "${list}" > /dev/null`])).wall);
    const r = await bevara('verify', archive, aipId);
    verTimes.push(r.seconds);
    verRss = Math.max(verRss, r.rssKb);
  }
  const baseline = median(shaTimes) <= median(osslTimes) ? shaTimes : osslTimes;
  console.log(`  sha256sum ${median(shaTimes).toFixed(3)} s, openssl dgst ${median(osslTimes).toFixed(3)} s`);
  report(`verify ${SMALL_FILES} small files vs the faster baseline`, '≤ 1.5×', verTimes, baseline);
  console.log(`  load average ${loadAverage()}`);
  console.log(`  peak RSS ${(verRss / 1024).toFixed(0)} MB (target < 200 MB)`);
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}

/**
 * Audit benchmark (issue 8): a full fixity audit of every stored AIP, as throughput in MB/s, against the
 * faster of `sha256sum` and `openssl dgst -sha256` over the same files in the same run (target ≥ 0.8× the
 * baseline's throughput), with peak RSS under 200 MB. The AIPs are a mix: many small files and a few
 * large ones, as an ingested municipal archive holds (documents and the odd recording).
 * The audit is timed inside its process (start-up and archive open are reported apart); the baseline
 * hashes the same bytes the audit reads: every file under each object root (content, inventories,
 * signatures).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Archive } from '@bevara/storage';
import { loadAverage, median, timed } from './lib.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const AIPS = Number(process.env.BENCH_AUDIT_AIPS ?? 20);
const SMALL_PER_AIP = Number(process.env.BENCH_AUDIT_SMALL_FILES ?? 200);
const BIG_BYTES = Number(process.env.BENCH_AUDIT_BIG_BYTES ?? 64 * 1024 ** 2);
const child = path.join(import.meta.dirname, 'audit-child.ts');
const work = fs.mkdtempSync(path.join(process.env.BENCH_DIR ?? os.tmpdir(), 'bevara-bench-audit-'));

try {
  const dir = path.join(work, 'archive');
  const archive = await Archive.init(dir);
  try {
    const big = path.join(work, 'big.bin');
    execFileSync('openssl', ['rand', '-out', big, String(BIG_BYTES)]);
    for (let a = 0; a < AIPS; a++) {
      const files: { path: string; source: Buffer | fs.ReadStream }[] = [];
      for (let i = 0; i < SMALL_PER_AIP; i++) {
        // distinct content per file (storage deduplicates identical files within an AIP)
        const bytes = Buffer.alloc(2048 + ((i * 7919) % 30720), `${a}/${i}/`);
        files.push({ path: `representations/rep1/data/doc-${i}.bin`, source: bytes });
      }
      // every fourth AIP carries a large recording
      if (a % 4 === 0) files.push({ path: 'representations/rep1/data/recording.bin', source: fs.createReadStream(big, { highWaterMark: 1 << 20 }) });
      await archive.createAip({ label: `bench ${a}`, message: 'bench', user: { name: 'bench' }, files, events: [] });
    }
    fs.rmSync(big);
  } finally {
    await archive.close();
  }
  const list = path.join(work, 'files.txt');
  execFileSync('sh', ['-c', `find "${dir}/store" -mindepth 5 -type f > "${list}"`]);
  const totalBytes = Number(execFileSync('sh', ['-c', `xargs -d '\\n' stat -c %s < "${list}" | awk '{s+=$1} END {print s}'`]).toString().trim());
  const fileCount = fs.readFileSync(list, 'utf8').trim().split('\n').length;
  console.log(`  ${AIPS} AIPs, ${fileCount} files, ${(totalBytes / 1e6).toFixed(1)} MB under the object roots`);

  const sha: number[] = [];
  const ossl: number[] = [];
  const audit: number[] = [];
  const auditCpu: number[] = [];
  let rss = 0;
  let startup = 0;
  let audited = 0;
  for (let i = 0; i < ROUNDS; i++) {
    sha.push((await timed('sh', ['-c', `xargs -d '\\n' sha256sum < "${list}" > /dev/null`])).wall);
    ossl.push((await timed('sh', ['-c', `xargs -d '\\n' openssl dgst -sha256 < "${list}" > /dev/null`])).wall);
    fs.rmSync(path.join(dir, 'audit-state.json'), { force: true });
    const r = await timed(process.execPath, ['--import', 'tsx', child, dir], { cwd: path.dirname(import.meta.dirname) });
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { seconds: number; cpuSeconds: number; bytes: number; copies: number };
    audit.push(out.seconds);
    auditCpu.push(out.cpuSeconds);
    audited = out.bytes;
    rss = Math.max(rss, r.rssKb);
    startup = Math.max(startup, r.wall - out.seconds);
  }
  const mbps = (bytes: number, s: number): number => bytes / 1e6 / s;
  const baseSeconds = Math.min(median(sha), median(ossl));
  const baseName = median(sha) <= median(ossl) ? 'sha256sum' : 'openssl dgst -sha256';
  const auditMbps = mbps(audited, median(audit));
  const baseMbps = mbps(totalBytes, baseSeconds);
  console.log(`  sha256sum ${median(sha).toFixed(3)} s, openssl dgst ${median(ossl).toFixed(3)} s (${mbps(totalBytes, median(sha)).toFixed(0)} / ${mbps(totalBytes, median(ossl)).toFixed(0)} MB/s)`);
  console.log(
    `audit of every copy: bevara ${auditMbps.toFixed(0)} MB/s (${median(audit).toFixed(3)} s, ${(audited / 1e6).toFixed(1)} MB), baseline ${baseName} ${baseMbps.toFixed(0)} MB/s, ratio ${(auditMbps / baseMbps).toFixed(2)}× (target ≥ 0.8×)`,
  );
  // on a shared machine the wall time says little; the CPU the audit used says how much of it it got
  console.log(`  audit CPU over all its threads ${median(auditCpu).toFixed(3)} s (${(median(auditCpu) / median(audit)).toFixed(2)} cores busy on average, of ${os.availableParallelism()})`);
  console.log(`  peak RSS ${(rss / 1024).toFixed(0)} MB (target < 200 MB); process start-up and archive open ≈ ${startup.toFixed(2)} s extra`);
  console.log(`  load average ${loadAverage()} (the ratio means something only on an otherwise idle machine)`);
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}

/**
 * Validation benchmarks (issue 4), each against a baseline measured in the same run on the same data:
 * - the XSD step on the METS of a 10,000-file package vs `xmllint --noout --schema` on the same file (≤ 1.2×);
 * - whole validation of that package as a zip vs `unzip` + `sha256sum` over its files (≤ 2×);
 * - validation per package over the E-ARK corpus, median (no baseline; the note gives the figures).
 * Bevara runs in this process (timed with hrtime, after one warm-up that loads the schemas); baselines are commands.
 * Each figure is printed with the load average when it was taken, and whole validation with the CPU time Bevara
 * used: on a shared machine the wall-clock ratio moves with what else runs (the baseline writes files, Bevara
 * only reads), the CPU time much less.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { existsSync, createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatePackage } from '../packages/ingest/src/generator/generate.ts';
import { writeFolder, writeZip } from '../packages/ingest/src/generator/writers.ts';
import { validatePackage } from '../packages/ingest/src/validate.ts';
import { parseSafeBytes } from '../packages/ingest/src/xml/dom.ts';
import { readXmlSafely } from '../packages/ingest/src/xml/safe.ts';
import { validateAgainst } from '../packages/ingest/src/xml/xsd.ts';
import { loadAverage, median, report, timed } from './lib.ts';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const FILES = Number(process.env['BENCH_SMALL_FILES'] ?? 10_000);
const CORPUS = fileURLToPath(new URL('../../shared/reference/eark-ip-test-corpus/corpus', import.meta.url));
const EARK_SCHEMA = fileURLToPath(new URL('../schemas/xsd/eark-mets.xsd', import.meta.url));

async function seconds(f: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await f();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

const load = (): string => `load average ${loadAverage()}`;

const work = await mkdtemp(join(process.env['BENCH_DIR'] ?? tmpdir(), 'bevara-bench-validate-'));
try {
  // The generated package's description is let go once written: a validating process holds no such heap, and
  // every collection the parse set off would walk it (it made the XSD step's time vary two-fold).
  const { folder, zip, fileCount } = await (async () => {
    const spec = generatePackage({ profile: 'eark-csip-2.1', seed: 'bench', organisation: 'Exempelby kommun', cases: 50, extraFiles: FILES });
    const written = { folder: await writeFolder(spec, join(work, 'folder')), zip: join(work, 'package.zip'), fileCount: spec.files.length };
    await writeZip(spec, written.zip);
    return written;
  })();
  const mets = join(folder, 'representations/rep1/METS.xml');
  // the package on disk before anything is timed: its write-back would otherwise run during the rounds
  execFileSync('sync');

  // XSD step: parse + validate the 10,000-file METS against the pinned E-ARK METS schemas.
  const xsd = async () => {
    const doc = parseSafeBytes(await readXmlSafely(createReadStream(mets), { name: mets }), mets);
    const errors = await validateAgainst(doc, 'eark-mets');
    if (errors.length > 0) throw new Error(`bench METS invalid: ${errors[0]!.message}`);
  };
  await xsd();
  const ours: number[] = [];
  const lint: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    ours.push(await seconds(xsd));
    lint.push((await timed('xmllint', ['--noout', '--nonet', '--schema', EARK_SCHEMA, mets])).wall);
  }
  report(`XSD step, METS of ${FILES} files`, '≤ 1.2×', ours, lint);
  console.log(`  (${load()})`);

  // Whole validation of the zip vs unzip + sha256sum over its files.
  const whole: number[] = [];
  const cpu: number[] = [];
  const base: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const before = process.cpuUsage();
    whole.push(await seconds(async () => {
      const r = await validatePackage(zip);
      if (!r.files || r.files.length < FILES) throw new Error('bench package not fully read');
    }));
    const used = process.cpuUsage(before);
    cpu.push((used.user + used.system) / 1e6);
    const out = join(work, `unzipped-${i}`);
    base.push((await timed('bash', ['-c', `unzip -q -o ${zip} -d ${out} && find ${out} -type f -print0 | xargs -0 sha256sum > /dev/null`])).wall);
    await rm(out, { recursive: true, force: true });
  }
  report(`whole validation, zip of ${fileCount} files`, '≤ 2×', whole, base);
  console.log(`  (Bevara CPU time ${median(cpu).toFixed(3)} s, median; ${load()})`);

  // Validation per package over the corpus, median.
  if (existsSync(CORPUS)) {
    const per: number[] = [];
    for (const spec of ['CSIP', 'SIP']) {
      for (const req of await readdir(join(CORPUS, spec))) {
        for (const side of ['valid', 'invalid']) {
          const dir = join(CORPUS, spec, req, side);
          if (!existsSync(dir)) continue;
          for (const p of await readdir(dir)) per.push(await seconds(() => validatePackage(join(dir, p))));
        }
      }
    }
    console.log(`corpus: ${per.length} packages, median ${(median(per) * 1000).toFixed(1)} ms per package, max ${(Math.max(...per) * 1000).toFixed(1)} ms (${load()})`);
  }
} finally {
  await rm(work, { recursive: true, force: true });
}

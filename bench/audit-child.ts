// Child process of bench/audit.ts: one full audit of every copy, timed inside the process.
import { Archive } from '@bevara/storage';

const [archiveDir] = process.argv.slice(2);
const archive = await Archive.open(archiveDir!);
const t0 = process.hrtime.bigint();
const report = await archive.auditCopies();
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
await archive.close();
if (!report.ok) throw new Error(`audit found problems: ${JSON.stringify(report.stores.map((s) => s.findings.slice(0, 3)))}`);
const bytes = report.stores.reduce((n, s) => n + s.bytes, 0);
const copies = report.stores.reduce((n, s) => n + s.copies, 0);
process.stdout.write(JSON.stringify({ seconds, bytes, copies }) + '\n');

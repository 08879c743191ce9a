// Child process of bench/audit.ts: one full audit of every copy, timed inside the process.
import { Archive } from '@bevara/storage';

const [archiveDir] = process.argv.slice(2);
const archive = await Archive.open(archiveDir!);
const t0 = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
const report = await archive.auditCopies();
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
// every thread of the process (event loop, hash workers, thread pool, compiler): how much of the machine the audit had
const used = process.cpuUsage(cpu0);
const cpuSeconds = (used.user + used.system) / 1e6;
await archive.close();
if (!report.ok) throw new Error(`audit found problems: ${JSON.stringify(report.stores.map((s) => s.findings.slice(0, 3)))}`);
const bytes = report.stores.reduce((n, s) => n + s.bytes, 0);
const copies = report.stores.reduce((n, s) => n + s.copies, 0);
process.stdout.write(JSON.stringify({ seconds, cpuSeconds, bytes, copies }) + '\n');

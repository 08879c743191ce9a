/** The readable text form of a validation report: a verdict line, then failures, warnings, and a tally. */
import type { Result, ValidationReport } from './types.ts';

function where(r: Result): string {
  const loc = r.location;
  if (loc === undefined) return '';
  const line = loc.line === undefined ? '' : `:${loc.line}`;
  const xpath = loc.xpath === undefined ? '' : ` ${loc.xpath}`;
  return ` (${loc.file}${line}${xpath})`;
}

export function formatReportText(report: ValidationReport): string {
  const count = (s: Result['status']) => report.results.filter((r) => r.status === s).length;
  const lines = [
    `${report.package}: ${report.valid ? 'VALID' : 'NOT VALID'} against ${report.profile}`,
  ];
  for (const status of ['failed', 'warning'] as const) {
    const rs = report.results.filter((r) => r.status === status);
    if (rs.length === 0) continue;
    lines.push('', status === 'failed' ? 'Failed:' : 'Warnings:');
    for (const r of rs) lines.push(`  ${r.id} [${r.level}] ${r.message}${where(r)}`);
  }
  lines.push(
    '',
    `${count('passed')} passed, ${count('failed')} failed, ${count('warning')} warnings, ${count('skipped')} skipped`,
  );
  return `${lines.join('\n')}\n`;
}

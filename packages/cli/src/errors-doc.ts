import { ERROR_TABLES } from './exit-codes.ts';

/**
 * Renders docs/errors.md from every package's error table, so the document cannot drift from the
 * codes the code throws (test/e2e/errors-doc.test.ts compares the file with this rendering).
 * Regenerate with:
 *   node --import tsx -e "import('./packages/cli/src/errors-doc.ts').then((m) => process.stdout.write(m.renderErrorsDoc()))" > docs/errors.md
 */
export function renderErrorsDoc(): string {
  const lines = [
    '# Bevara error codes',
    '',
    '<!-- Generated from the error tables by packages/cli/src/errors-doc.ts; do not edit by hand. -->',
    '',
    'Every failure carries one stable code. Codes are only ever appended; a retired code stays listed.',
    'Scripts should key on the code and the exit status, never on the message text, which may change.',
    '',
    '- **Exit**: the `bevara` exit status — 1 something checked is not well, 2 usage or system error.',
    '- **HTTP**: the status when the failure reaches an HTTP client (problem+json with the same code).',
    '- **Retry**: yes when trying again later may succeed (a store or the write lock was busy).',
    '',
    'With `--json`, a failing command prints one JSON object `{"code","message"}` on stderr.',
  ];
  for (const [pkg, table] of Object.entries(ERROR_TABLES)) {
    lines.push('', `## ${pkg}`, '', '| Code | Title | Exit | HTTP | Retry |', '|---|---|---|---|---|');
    for (const [code, spec] of Object.entries(table)) {
      const title = spec.retired ? `${spec.title} (retired)` : spec.title;
      lines.push(`| ${code} | ${title.replace(/\|/g, '\\|')} | ${spec.exit} | ${spec.http} | ${spec.retry ? 'yes' : ''} |`);
    }
  }
  return lines.join('\n') + '\n';
}

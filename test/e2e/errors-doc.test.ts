/**
 * docs/errors.md documents every code of every package's error table with its title, and is exactly
 * what packages/cli/src/errors-doc.ts renders from the tables: a new code without regenerating the
 * document fails here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderErrorsDoc } from '../../packages/cli/src/errors-doc.ts';
import { ERROR_TABLES } from '../../packages/cli/src/exit-codes.ts';
import { REPO_ROOT } from '../support/cli.ts';

const DOC = path.join(REPO_ROOT, 'docs/errors.md');

describe('docs/errors.md', () => {
  const doc = fs.readFileSync(DOC, 'utf8');

  it('lists every code of every error table, with its title and exit status, on its own row', () => {
    const codes = Object.values(ERROR_TABLES).flatMap((t) => Object.entries(t));
    expect(codes.length).toBeGreaterThan(20);
    const rows = new Map(doc.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Code')).map((l) => [l.split(' | ')[0]!.slice(2), l]));
    for (const [code, spec] of codes) {
      const row = rows.get(code);
      expect(row, `${code} is not documented`).toBeDefined();
      expect(row, code).toContain(` | ${spec.title}`);
      expect(row, code).toContain(` | ${spec.exit} | ${spec.http} | `);
    }
    expect(rows.size).toBe(codes.length);
  });

  it('is exactly the rendering of the tables (regenerate it with the command in errors-doc.ts)', () => {
    expect(doc).toBe(renderErrorsDoc());
  });
});

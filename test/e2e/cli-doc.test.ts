/**
 * docs/cli.md documents every command and subcommand `bevara --help` lists, with every option each one's
 * `--help` prints, and nothing that no longer exists: the page cannot drift from the program.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bevara, REPO_ROOT } from '../support/cli.ts';

const DOC = fs.readFileSync(path.join(REPO_ROOT, 'docs/cli.md'), 'utf8');

/** The names listed under "Commands:" in a help text, without `help`. */
function commandsIn(help: string): string[] {
  const section = help.split(/^Commands:\n/m)[1]?.split(/^\S/m)[0] ?? '';
  return [...section.matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((m) => m[1]!).filter((c) => c !== 'help');
}

/** The long options listed under "Options:" in a help text, without --help and --version. */
function optionsIn(help: string): string[] {
  const section = help.split(/^Options:\n/m)[1]?.split(/^\S/m)[0] ?? '';
  return [...section.matchAll(/^ {2}(?:-\w, )?(--[a-z][a-z-]*)/gm)].map((m) => m[1]!).filter((o) => o !== '--help' && o !== '--version');
}

/** The text under the heading `bevara NAME` up to the next heading. */
function docSection(name: string): string | undefined {
  const lines = DOC.split('\n');
  const start = lines.findIndex((l) => new RegExp(`^#{2,4} bevara ${name}$`).test(l));
  if (start < 0) return undefined;
  const end = lines.findIndex((l, i) => i > start && /^#{1,4} /.test(l));
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

async function help(command: string[]): Promise<string> {
  const r = await bevara([...command, '--help']);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

describe('docs/cli.md', () => {
  const commands: { name: string; options: string[] }[] = [];

  beforeAll(async () => {
    const verbs = commandsIn(await help([]));
    expect(verbs.length).toBeGreaterThan(10);
    // A few at a time: each is a whole node process.
    const queue = verbs.map((verb) => [verb]);
    const worker = async (): Promise<void> => {
      for (let command = queue.shift(); command !== undefined; command = queue.shift()) {
        const text = await help(command);
        commands.push({ name: command.join(' '), options: optionsIn(text) });
        if (command.length === 1) queue.push(...commandsIn(text).map((sub) => [...command, sub]));
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
  }, 300_000);

  it('has a section for every command and subcommand, naming each of its options', () => {
    const missing: string[] = [];
    for (const { name, options } of commands) {
      const section = docSection(name);
      if (section === undefined) { missing.push(`bevara ${name}`); continue; }
      for (const option of options) if (!new RegExp(`\`${option}\\b`).test(section)) missing.push(`bevara ${name} ${option}`);
    }
    expect(missing).toEqual([]);
  });

  it('documents no command the program does not have', () => {
    const known = new Set(commands.map((c) => c.name));
    const documented = [...DOC.matchAll(/^#{2,4} bevara ([a-z][a-z -]*)$/gm)].map((m) => m[1]!.trim());
    expect(documented.filter((d) => !known.has(d))).toEqual([]);
  });

  it('states the exit statuses, the drop folder protocol and where the OpenAPI document is', () => {
    expect(DOC).toMatch(/\| 0 \|.*\n\| 1 \|.*\n\| 2 \|/);
    for (const term of ['NAME.ready', 'done/', 'rejected/', '.processing/', 'Restart', '/api/v1/openapi.json']) expect(DOC).toContain(term);
  });
});

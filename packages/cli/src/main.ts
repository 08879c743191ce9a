import { Command, CommanderError } from 'commander';
import { register as registerCatalog } from './commands/catalog.ts';
import { register as registerDemo } from './commands/demo.ts';
import { register as registerInit } from './commands/init.ts';
import { register as registerKeys } from './commands/keys.ts';
import { register as registerList } from './commands/list.ts';
import { register as registerLog } from './commands/log.ts';
import { register as registerShow } from './commands/show.ts';
import { register as registerVerify } from './commands/verify.ts';
import { register as registerValidate } from './commands/validate.ts';
import { register as registerIngest } from './commands/ingest.ts';
import { register as registerAgreements } from './commands/agreements.ts';
import { register as registerTokens } from './commands/tokens.ts';
import { register as registerServe } from './commands/serve.ts';
import { register as registerWatch } from './commands/watch.ts';
import { register as registerStore } from './commands/store.ts';
import { register as registerPolicy } from './commands/policy.ts';
import { register as registerAudit } from './commands/audit.ts';
import { register as registerExport } from './commands/export.ts';
import { register as registerSearch } from './commands/search.ts';
import { register as registerSecrecy } from './commands/secrecy.ts';
import { register as registerDisclose } from './commands/disclose.ts';
import type { ErrorSpec } from '@bevara/storage';
import { makeContext, type Context } from './context.ts';
import { CLI_ERRORS } from './errors.ts';
import { jsonLine, processIo } from './output/io.ts';
import { VERSION } from './version.ts';

export type Exit = 0 | 1 | 2;

/** A verb's action: it returns the exit code; only main() turns that into the process's. */
export type Action = (ctx: Context, ...args: any[]) => Promise<Exit>;

/**
 * Parses the arguments and runs one command. Every failure ends here: usage errors exit 2, a
 * BevaraError exits with its table's code (1 when something checked is not well, 2 otherwise), and
 * with --json the error is one JSON object {"code","message"} on stderr.
 */
export async function main(argv: string[]): Promise<Exit> {
  const json = argv.includes('--json');
  const io = processIo(json);
  let exit: Exit = 0;
  const program = new Command('bevara')
    .description('Bevara: an e-archive for Swedish municipalities (OAIS, E-ARK, FGS)')
    .version(VERSION, '-V, --version')
    .option('--archive <dir>', 'the archive folder (default: $BEVARA_ARCHIVE)')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) })
    .addHelpText('after', '\nEXIT STATUS\n  0 all well, 1 something checked is not well, 2 usage or system error');

  const run = (action: Action) => async (...args: any[]): Promise<void> => {
    const command = args[args.length - 1] as Command;
    const ctx = await makeContext(io, command.optsWithGlobals().archive as string | undefined);
    exit = await action(ctx, ...args.slice(0, -1));
  };
  // Every verb is defined up front (--help lists them all), but a verb imports the packages it needs only in
  // its action, so parsing stays cheap and a command loads no more than it uses.
  for (const registerVerb of [registerInit, registerKeys, registerList, registerShow, registerVerify, registerLog, registerCatalog, registerDemo, registerValidate, registerIngest, registerAgreements, registerTokens, registerServe, registerWatch, registerStore, registerPolicy, registerAudit, registerExport, registerSearch, registerSecrecy, registerDisclose]) {
    registerVerb(program, run);
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exit;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? 0 : 2;
    }
    const { BevaraError } = await import('@bevara/storage');
    const error = e instanceof BevaraError ? e : new BevaraError('C-003', `unexpected error: ${(e as Error)?.message ?? String(e)}`);
    if (json) io.err(jsonLine({ code: error.code, message: error.message }));
    else io.err(`bevara: ${error.message} [${error.code}]`);
    if (error.code === 'C-003' && process.env.BEVARA_DEBUG) io.err(String((e as Error)?.stack));
    return exitStatusOf(error.code);
  }
}

/**
 * The exit status of a failure's code. The common failures (a usage error, no archive, a store problem) are
 * in the command line's and storage's tables, at hand by then; the other packages' tables, which load the
 * rest of Bevara, are imported only for their own codes.
 */
async function exitStatusOf(code: string): Promise<1 | 2> {
  const { STORAGE_ERRORS } = await import('@bevara/storage');
  const near: Record<string, ErrorSpec> = { ...CLI_ERRORS, ...STORAGE_ERRORS };
  return near[code]?.exit ?? (await import('./exit-codes.ts')).exitCodeFor(code);
}

export type Register = (program: Command, run: (action: Action) => (...args: any[]) => Promise<void>) => void;

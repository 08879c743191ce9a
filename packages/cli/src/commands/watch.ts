import type { Register } from '../main.ts';
import { withArchive } from '../context.ts';
import { jsonLine } from '../output/io.ts';

export const register: Register = (program, run) => {
  program
    .command('watch')
    .argument('<dir>', 'the drop folder')
    .description('ingest packages dropped into a folder; moved to done/ or rejected/ with receipt and report beside them, or to failed/ with the error')
    .option('--agreement <id>', 'submission agreement', 'default')
    .option('--submitter <name>', 'who submits through this folder', 'drop-folder')
    .option('--once', 'scan once and exit instead of watching')
    .option('--json', 'one JSON object per package per line: {"name","outcome","submissionId"}')
    .addHelpText('after', [
      '',
      'A package (zip, tar or folder) counts as complete when NAME.ready appears beside it, or when it was',
      'renamed into the folder (it is then taken once unchanged between two scans). Write in place only under',
      'a name starting with "." or ending in .part/.tmp. A restart neither loses nor repeats a package. One whose',
      'ingest failed for a reason a retry would not mend waits in failed/ with NAME.error.json; move it back to retry.',
      'One process at a time watches a folder (this command, or bevara serve --drop): another is refused (I-030).',
      '',
      'EXIT STATUS',
      '  0 stopped (or --once: every package archived), 1 --once: some package rejected or failed, 2 usage or system error',
    ].join('\n'))
    .action(
      run(async (ctx, dir: string, opts: { agreement: string; submitter: string; once?: boolean }) =>
        withArchive(ctx, async (archive) => {
          const { DropFolder, SubmissionRegistry, SubmissionService } = await import('@bevara/ingest');
          const service = new SubmissionService(archive);
          const agreement = SubmissionRegistry.open(archive).agreement(opts.agreement);
          const drop = new DropFolder(dir, { submitter: { name: opts.submitter, agreement }, ingest: (f, s) => service.ingestFile(f, s), log: (e) => ctx.io.err(JSON.stringify(e)) });
          if (opts.once) {
            const outcomes = await drop.scan().finally(() => drop.stop());
            for (const o of outcomes) ctx.io.out(ctx.io.json ? jsonLine(o) : `${o.outcome} ${o.name}`);
            return outcomes.some((o) => o.outcome !== 'archived') ? 1 : 0;
          }
          await drop.start();
          await new Promise<void>((resolve) => { process.once('SIGINT', resolve); process.once('SIGTERM', resolve); });
          await drop.stop();
          return 0;
        }),
      ),
    );
};

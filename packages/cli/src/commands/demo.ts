import fs from 'node:fs';
import path from 'node:path';
import { Archive } from '@bevara/storage';
import type { Register } from '../main.ts';

export const register: Register = (program, run) => {
  program
    .command('demo')
    .argument('[dir]', 'the demo archive folder', 'bevara-demo')
    .description('create (once) an archive on the embedded default for trying Bevara, and say where it is')
    .addHelpText('after', '\nEXIT STATUS\n  0 ready, 2 error')
    .action(
      run(async (ctx, dir: string) => {
        const target = path.resolve(dir);
        const fresh = !fs.existsSync(path.join(target, 'bevara.json'));
        const archive = fresh ? await Archive.init(target) : await Archive.open(target);
        const aips = archive.list().length;
        await archive.close();
        ctx.io.out(`${fresh ? 'Created' : 'Opened'} the demo archive ${target} (${aips} AIPs).`);
        ctx.io.out(`Try: export BEVARA_ARCHIVE=${target}; npx pnpm@10.34.8 bevara verify`);
        return 0;
      }),
    );
};

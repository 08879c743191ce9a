import { InvalidArgumentError } from 'commander';
import type { CertificateInfo } from '@bevara/storage';
import type { Register } from '../main.ts';
import { withArchive } from '../context.ts';
import { jsonLine } from '../output/io.ts';

export const register: Register = (program, run) => {
  const keys = program
    .command('keys')
    .description("manage the archive's signing key and certificates")
    .addHelpText('after', '\nEXIT STATUS\n  0 done, 2 a bad key file, wrong password or another error');

  keys
    .command('init')
    .description('make a new self-signed RSA key and certificate; the previous certificate is retired, old signatures still verify')
    .option('--subject <dn>', 'certificate subject, e.g. "CN=Bevara, O=Exempla kommun, C=SE"')
    .option('--days <n>', 'validity in days', (v) => positiveInt(v, '--days'))
    .option('--json', 'print the certificate as JSON')
    .action(
      run(async (ctx, opts: { subject?: string; days?: number }) =>
        withArchive(ctx, async (archive) => {
          const cert = await archive.initKeys({ ...(opts.subject ? { subject: opts.subject } : {}), ...(opts.days ? { days: opts.days } : {}) });
          printCert(ctx.io, cert, 'Created');
          return 0;
        }),
      ),
    );

  keys
    .command('import')
    .argument('<file>', "the municipality's key: PKCS#12 (.p12/.pfx) or PEM with private key and certificate")
    .description('make an existing key current (RSA, at least 2048 bits); the previous certificate is retired')
    .option('--password-env <var>', 'read the password from this environment variable (default BEVARA_IMPORT_PASSWORD)')
    .option('--json', 'print the certificate as JSON')
    .action(
      run(async (ctx, file: string, opts: { passwordEnv?: string }) =>
        withArchive(ctx, async (archive) => {
          const password = process.env[opts.passwordEnv ?? 'BEVARA_IMPORT_PASSWORD'];
          const cert = await archive.importKeys(file, password);
          printCert(ctx.io, cert, 'Imported');
          return 0;
        }),
      ),
    );

  keys
    .command('cert')
    .description('print the current certificate as PEM (with --all, the retired ones too)')
    .option('--all', 'also print retired certificates')
    .option('--json', 'print fingerprints and PEM as JSON')
    .action(
      run(async (ctx, opts: { all?: boolean }) =>
        withArchive(ctx, async (archive) => {
          const current = archive.keys.current();
          if (!current) {
            ctx.io.err('bevara: the archive has no signing key; run `bevara keys init` [S-010]');
            return 2;
          }
          const certs = opts.all ? [current, ...archive.keys.retired()] : [current];
          if (ctx.io.json) for (const c of certs) ctx.io.out(jsonLine(certJson(c)));
          else for (const c of certs) process.stdout.write(c.pem.endsWith('\n') ? c.pem : `${c.pem}\n`);
          return 0;
        }),
      ),
    );
};

function certJson(c: CertificateInfo): object {
  return {
    fingerprint: c.fingerprint,
    subject: c.subject,
    issuer: c.issuer,
    notBefore: c.notBefore,
    notAfter: c.notAfter,
    keyType: c.keyType,
    keyBits: c.keyBits,
    pem: c.pem,
  };
}

function printCert(io: { json: boolean; out(s: string): void }, c: CertificateInfo, verb: string): void {
  if (io.json) {
    io.out(jsonLine(certJson(c)));
    return;
  }
  io.out(`${verb} signing key ${c.keyType.toUpperCase()} ${c.keyBits} bits`);
  io.out(`  subject:     ${c.subject}`);
  io.out(`  valid:       ${String(c.notBefore)} – ${String(c.notAfter)}`);
  io.out(`  fingerprint: sha256 ${c.fingerprint}`);
}

export function positiveInt(v: string, name: string): number {
  const n = Number(v);
  if (!/^[0-9]+$/.test(v) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError(`${name} must be a positive whole number`);
  }
  return n;
}

/** Opens a package path as the right container kind, judged by what it is, not by its name. */
import { open as openFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { IngestError } from '../errors.ts';
import { openFolder } from './folder.ts';
import { DEFAULT_LIMITS, type PackageView, type ReadLimits } from './types.ts';
import { openZip } from './zip.ts';

export interface OpenOptions {
  /** Folder for the private copy of a tar package; a fresh subfolder is created and removed on close. */
  staging?: string;
  limits?: Partial<ReadLimits>;
}

export async function openPackage(path: string, options: OpenOptions = {}): Promise<PackageView> {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const st = await stat(path).catch((cause: unknown) => {
    throw new IngestError('I-001', 'package not found', { path }, { cause });
  });
  if (st.isDirectory()) return openFolder(path, limits);
  if (!st.isFile()) throw new IngestError('I-002', 'package is neither a folder nor a file', { path });
  const magic = await readMagic(path);
  if (magic.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04])) ||
      magic.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x05, 0x06]))) {
    return openZip(path, limits);
  }
  const staging = options.staging ?? tmpdir();
  const gzipped = magic[0] === 0x1f && magic[1] === 0x8b;
  if (gzipped || magic.subarray(257, 262).toString('latin1') === 'ustar') {
    // loaded only for a tar package: most packages are zips, and the library costs a start ~10 ms
    const { openTar } = await import('./tar.ts');
    return openTar(path, gzipped, staging, limits);
  }
  throw new IngestError('I-002', 'package is not a folder, zip or tar', { path });
}

async function readMagic(path: string): Promise<Buffer> {
  const fh = await openFile(path, 'r');
  try {
    const buf = Buffer.alloc(512);
    const { bytesRead } = await fh.read(buf, 0, 512, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const vendor = fileURLToPath(new URL('../../vendor/pronom/', import.meta.url));

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

describe('vendor/pronom', () => {
  it('ships each signature file with the sha256 its README states', async () => {
    const readme = readFileSync(vendor + 'README.md', 'utf8');
    const rows = [...readme.matchAll(/^\| `([^`]+\.xml)` \|.*\| ([0-9a-f]{64}) \|$/gm)];
    expect(rows.map((r) => r[1])).toEqual(['DROID_SignatureFile_V118.xml', 'container-signature-20240501.xml']);
    for (const [, file, sum] of rows) expect(await sha256(vendor + file!)).toBe(sum);
  });
});

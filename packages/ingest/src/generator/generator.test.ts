import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { XMLParser } from 'fast-xml-parser';
import { extract } from 'tar-stream';
import yauzl from 'yauzl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validatePackage } from '../validate.ts';
import { generatePackage } from './generate.ts';
import { resolveHref } from './seal.ts';
import { PROFILES, type PackageSpec, type Profile } from './types.ts';
import { writeFolder, writeTar, writeZip } from './writers.ts';
import { haveXmllint, xmllint, sharedReferenceDir } from './xmllint.ts';

const REF = sharedReferenceDir();
const HAVE_REF = existsSync(join(REF, 'schemas/catalog.xml'));
const HAVE_XMLLINT = haveXmllint();
if (!HAVE_REF) console.warn(`generator tests skipped: reference folder ${REF} is absent`);
if (!HAVE_XMLLINT) console.warn('schema validation skipped: xmllint is not installed (apt-get install libxml2-utils)');

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  await pipeline(createReadStream(path), h);
  return h.digest('hex');
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)).split('\\').join('/'));
}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', removeNSPrefix: false, isArray: (_name, _path, _leaf, isAttribute) => !isAttribute });

/** Every (href, SIZE, CHECKSUM) a METS or FGS-ERMS document states, found by walking the parsed tree. */
function references(xml: string): Array<{ href: string; size?: string; checksum?: string }> {
  const out: Array<{ href: string; size?: string; checksum?: string }> = [];
  const visit = (node: unknown, name: string): void => {
    if (Array.isArray(node)) return node.forEach((n) => visit(n, name));
    if (typeof node !== 'object' || node === null) return;
    const o = node as Record<string, unknown>;
    const local = name.replace(/^.*:/, '');
    if (local === 'file') {
      const flocat = (o['FLocat'] as Array<Record<string, string>> | undefined)?.[0];
      if (flocat) out.push({ href: flocat['@xlink:href']!, size: o['@SIZE'] as string, checksum: o['@CHECKSUM'] as string });
    }
    if (local === 'mdRef') out.push({ href: o['@xlink:href'] as string, size: o['@SIZE'] as string, checksum: o['@CHECKSUM'] as string });
    if (local === 'mptr') out.push({ href: o['@xlink:href'] as string });
    if (local === 'Bilaga') out.push({ href: o['@Lank'] as string, size: o['@Storlek'] as string, checksum: o['@Checksumma'] as string });
    for (const [k, v] of Object.entries(o)) if (!k.startsWith('@')) visit(v, k);
  };
  visit(parser.parse(xml), '');
  return out;
}

const VALIDATE: Record<'eark' | 'fgs12', Array<[string, string]>> = {
  eark: [
    ['METS.xml', 'schemas/eark-mets-bundle.xsd'],
    ['representations/rep1/METS.xml', 'schemas/eark-mets-bundle.xsd'],
    ['metadata/descriptive/erms.xml', 'fgs/cits-erms/ERMS_v2_1_2.xsd'],
    ['metadata/preservation/premis.xml', 'schemas/premis-v3-0.xsd'],
  ],
  fgs12: [
    ['sip.xml', 'schemas/fgs-paketstruktur-bundle.xsd'],
    ['Content/arendehantering.xml', 'fgs/fgs-erms-1.0-derived/Bygglov_v2.xsd'],
  ],
};

describe.skipIf(!HAVE_REF)('generatePackage', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'bevara-gen-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  describe.each(PROFILES)('profile %s', (profile: Profile) => {
    let spec: PackageSpec;
    let root: string;
    beforeAll(async () => {
      spec = generatePackage({ profile, seed: `test-${profile}`, organisation: 'Exempelby kommun', cases: 6, markers: true, extraFiles: 7 });
      root = await writeFolder(spec, join(tmp, profile));
    });

    it('writes every file of the truth with the stated size and sha256, and nothing else', async () => {
      const onDisk = (await listFiles(root)).sort();
      expect(onDisk).toEqual(spec.truth.files.map((f) => f.path).sort());
      for (const f of spec.truth.files) {
        expect((await stat(join(root, f.path))).size, f.path).toBe(f.size);
        expect(await sha256File(join(root, f.path)), f.path).toBe(f.sha256);
      }
    });

    it.skipIf(!HAVE_XMLLINT)('writes metadata that is valid against the official schemas', () => {
      for (const [file, schema] of VALIDATE[profile === 'fgs12' ? 'fgs12' : 'eark']) {
        const r = xmllint(schema, join(root, file));
        expect(r.ok, `${file}: ${r.output}`).toBe(true);
      }
    });

    it('states sizes and checksums that match the written files, and references every file', async () => {
      const metas = profile === 'fgs12' ? ['Content/arendehantering.xml', 'sip.xml'] : ['representations/rep1/METS.xml', 'METS.xml'];
      const referenced = new Set<string>();
      for (const m of metas) {
        const refs = references(await readFile(join(root, m), 'utf8'));
        expect(refs.length).toBeGreaterThan(0);
        for (const ref of refs) {
          const path = resolveHref(m, ref.href);
          referenced.add(path);
          const s = await stat(join(root, path));
          if (ref.size !== undefined) expect(Number(ref.size), path).toBe(s.size);
          if (ref.checksum !== undefined) expect(ref.checksum, path).toBe(await sha256File(join(root, path)));
        }
      }
      const top = profile === 'fgs12' ? 'sip.xml' : 'METS.xml';
      expect((await listFiles(root)).filter((p) => p !== top && !referenced.has(p))).toEqual([]);
    });

    it('records cases, records and secrecy in the truth and in the ERMS', async () => {
      const truth = spec.truth;
      expect(truth.cases).toHaveLength(6);
      const erms = await readFile(join(root, profile === 'fgs12' ? 'Content/arendehantering.xml' : 'metadata/descriptive/erms.xml'), 'utf8');
      for (const c of truth.cases) {
        // A diarienummer or object id that a marking withholds too carries a marker of its own (when markers are on).
        expect(c.diarienummer).toMatch(c.secrecy?.coversRegistration && spec.truth.markers.length > 0 ? /^(BN|SN|BUN|KS) 202[34]\/\d{4}-BVRREG[0-9A-F]{12}$/ : /^(BN|SN|BUN|KS) 202[34]\/\d{4}$/);
        expect(erms).toContain(`>${c.diarienummer}<`);
        c.records.forEach((r, i) => {
          if (r.secrecy?.coversRegistration && r.secrecy.level === 'record' && spec.truth.markers.length > 0) expect(r.objectId).toMatch(new RegExp(`^${c.diarienummer.replace(/[/]/g, '\\/')}-${i + 1}-BVRREG[0-9A-F]{12}$`));
          else expect(r.objectId).toBe(`${c.diarienummer}-${i + 1}`);
          expect(r.date >= c.openedAt && r.date <= c.closedAt).toBe(true);
          expect(r.files.length).toBeGreaterThan(0);
        });
      }
      const secret = truth.cases.flatMap((c) => c.records).filter((r) => r.secrecy);
      expect(secret.length).toBeGreaterThan(0);
      expect(erms).toContain(profile === 'fgs12' ? '<Lagrum>OSL 26 kap. 1 §</Lagrum>' : '<regulation>OSL 26 kap. 1 §</regulation>');
      for (const r of secret) expect(r.secrecy?.provision).toMatch(/^OSL \d+ kap\. \d+ §$/);
    });

    it('puts each withheld record\'s marker in its title, explanatory text and files, and nowhere public', async () => {
      const records = spec.truth.cases.flatMap((c) => c.records);
      const markers = new Set(spec.truth.markers.map((m) => m.marker));
      expect(markers.size).toBe(spec.truth.markers.length);
      for (const r of records) {
        if (!r.secrecy) {
          expect(r.marker).toBeUndefined();
          for (const p of r.files) {
            const bytes = (await readFile(join(root, p))).toString('latin1');
            for (const m of markers) expect(bytes.includes(m), `${p} leaks ${m}`).toBe(false);
          }
          continue;
        }
        const marker = r.marker!;
        expect(r.title).toContain(marker);
        if (r.secrecy.level === 'record') expect(r.secrecy.explanatoryText).toContain(marker);
        for (const p of r.files) expect((await readFile(join(root, p))).toString('latin1'), p).toContain(marker);
      }
    });
  });

  it('is deterministic from the seed', () => {
    const digest = (seed: string) => generatePackage({ profile: 'eark-csip-2.1', seed, organisation: 'Exempelby kommun' }).truth.files.map((f) => `${f.path} ${f.sha256}`);
    expect(digest('a')).toEqual(digest('a'));
    expect(digest('a')).not.toEqual(digest('b'));
  });

  it('honours secrecy options: fraction 0 is wholly public, explicit marks what it names', () => {
    const pub = generatePackage({ profile: 'fgs12', seed: 1, organisation: 'Exempelby kommun', secrecy: { fraction: 0 } });
    expect(pub.truth.cases.flatMap((c) => c.records).some((r) => r.secrecy)).toBe(false);
    const exp = generatePackage({ profile: 'fgs12', seed: 1, organisation: 'Exempelby kommun', kinds: ['bygglov'], cases: 2, secrecy: { explicit: [{ case: 1, record: 0 }] } });
    const flagged = exp.truth.cases.flatMap((c) => c.records.filter((r) => r.secrecy).map((r) => r.objectId));
    expect(flagged).toEqual([`${exp.truth.cases[1]!.diarienummer}-1`]);
  });

  it('rejects bad options with G-001', () => {
    expect(() => generatePackage({ profile: 'fgs12', seed: 1, organisation: '' })).toThrow(expect.objectContaining({ code: 'G-001' }));
    expect(() => generatePackage({ profile: 'fgs12', seed: 1, organisation: 'X', secrecy: { fraction: 2 } })).toThrow(expect.objectContaining({ code: 'G-001' }));
    expect(() => generatePackage({ profile: 'fgs12', seed: 1, organisation: 'X', objid: '../evil' })).toThrow(expect.objectContaining({ code: 'G-001' }));
  });

  it('writes PDFs whose text a PDF text extractor finds', async () => {
    const spec = generatePackage({ profile: 'eark-csip-2.1', seed: 'pdf', organisation: 'Exempelby kommun', kinds: ['forsorjningsstod'], cases: 1, markers: true });
    const root = await writeFolder(spec, join(tmp, 'pdf'));
    const record = spec.truth.cases[0]!.records.find((r) => r.files.some((f) => f.endsWith('.pdf')))!;
    const pdf = join(root, record.files.find((f) => f.endsWith('.pdf'))!);
    const bytes = await readFile(pdf, 'latin1');
    expect(bytes).toContain('<pdfaid:part>1</pdfaid:part>');
    const pdftotext = spawnSync('pdftotext', ['-enc', 'UTF-8', pdf, '-'], { encoding: 'utf8' });
    if (pdftotext.error) return void console.warn('pdftotext missing (apt-get install poppler-utils): text extraction not checked');
    expect(pdftotext.stdout).toContain(record.objectId);
    expect(pdftotext.stdout).toContain(record.marker!);
    expect(pdftotext.stdout).toContain('Handlingen avser ansökan i ärendet');
    expect(pdftotext.stdout).toContain('Förklaring: Uppgift om enskilds personliga förhållanden');
  });

  it('writes zip and tar containers holding one root folder with the same files', async () => {
    const spec = generatePackage({ profile: 'eark-csip-2.2.0', seed: 'box', organisation: 'Exempelby kommun', cases: 2 });
    const expected = new Map(spec.truth.files.map((f) => [`${spec.rootName}/${f.path}`, f.sha256]));
    const zipFile = join(tmp, 'box.zip');
    await writeZip(spec, zipFile);
    expect(await zipDigests(zipFile)).toEqual(expected);
    const tarFile = join(tmp, 'box.tar');
    await writeTar(spec, tarFile);
    expect(await tarDigests(tarFile)).toEqual(expected);
    await expect(writeZip(spec, zipFile)).rejects.toMatchObject({ code: 'G-003' });
  });

  it('streams a large file with bounded memory', async () => {
    const bytes = 256 * 1024 * 1024;
    const spec = generatePackage({ profile: 'eark-csip-2.1', seed: 'big', organisation: 'Exempelby kommun', cases: 1, kinds: ['namndprotokoll'], bigFile: { bytes } });
    const big = spec.truth.files.find((f) => f.path.endsWith('.wav'))!;
    expect(big.size).toBe(bytes);
    const before = process.memoryUsage().rss;
    let peak = before;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const tarFile = join(tmp, 'big.tar');
    await writeTar(spec, tarFile);
    clearInterval(timer);
    expect(peak - before).toBeLessThan(128 * 1024 * 1024);
    expect((await tarDigests(tarFile)).get(`${spec.rootName}/${big.path}`)).toBe(big.sha256);
    await rm(tarFile);
  });

  it('makes several large files when asked (a package larger than the largest single file)', async () => {
    const spec = generatePackage({ profile: 'fgs12', seed: 'bigs', organisation: 'Exempelby kommun', cases: 1, bigFile: { bytes: 4096, count: 3 } });
    const wavs = spec.truth.files.filter((f) => f.path.endsWith('.wav'));
    expect(wavs.map((f) => f.size)).toEqual([4096, 4096, 4096]);
    expect(new Set(wavs.map((f) => f.sha256)).size).toBe(3);
    // the first is the file a package without count has had all along
    const one = generatePackage({ profile: 'fgs12', seed: 'bigs', organisation: 'Exempelby kommun', cases: 1, bigFile: { bytes: 4096 } });
    expect(one.truth.files.filter((f) => f.path.endsWith('.wav'))).toEqual([wavs[0]]);
    const dir = await writeFolder(spec, await mkdtemp(join(tmp, 'bigs-')));
    expect((await validatePackage(dir)).results.filter((r) => r.status === 'failed')).toEqual([]);
    expect(() => generatePackage({ profile: 'fgs12', seed: 'bigs', organisation: 'Exempelby kommun', bigFile: { bytes: 4096, count: 0 } })).toThrow(/bigFile.count/);
  });

  // The benchmark sizes take minutes and gigabytes: opt in with BEVARA_BENCH=1.
  it.skipIf(!process.env['BEVARA_BENCH'])('writes the 10,000-file and the 1 GB benchmark packages', async () => {
    const many = generatePackage({ profile: 'eark-csip-2.1', seed: 'bench', organisation: 'Exempelby kommun', cases: 50, extraFiles: 10_000 });
    expect(many.truth.files.filter((f) => f.role === 'record').length).toBeGreaterThanOrEqual(10_000);
    await writeZip(many, join(tmp, 'many.zip'));
    const big = generatePackage({ profile: 'eark-csip-2.1', seed: 'bench', organisation: 'Exempelby kommun', cases: 1, kinds: ['namndprotokoll'], bigFile: { bytes: 1 << 30 } });
    await writeZip(big, join(tmp, 'big.zip'));
    expect((await stat(join(tmp, 'big.zip'))).size).toBeGreaterThan(1 << 30);
  }, 900_000);
});

function zipDigests(file: string): Promise<Map<string, string>> {
  return new Promise((resolve, reject) => {
    const out = new Map<string, string>();
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e);
          const h = createHash('sha256');
          stream.on('data', (c: Buffer) => h.update(c));
          stream.on('end', () => {
            out.set(entry.fileName, h.digest('hex'));
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(out));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

async function tarDigests(file: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const ex = extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (header, stream, next) => {
      const h = createHash('sha256');
      stream.on('data', (c: unknown) => {
        h.update(c as Buffer);
      });
      stream.on('end', () => {
        out.set(header.name, h.digest('hex'));
        next();
      });
    });
    ex.on('finish', resolve);
    ex.on('error', reject);
  });
  createReadStream(file).pipe(ex);
  await done;
  return out;
}

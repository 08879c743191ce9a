/**
 * Builds real archives for the end-to-end tests through the public storage API: a real folder store,
 * real SQLite, real keys. Content is derived from a seed so a test can say what it stored and check
 * that exactly those bytes come back.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { Archive, type AipDetail, type AipFile } from '@bevara/storage';
import { bevaraIn } from '../../support/cli.ts';

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `bevara-${prefix}-`));
}

/** Deterministic bytes of a given size: the same seed always gives the same file. */
export function seededBytes(seed: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update(seed).digest();
  for (let i = 0; i < size; i += block.length) {
    block.copy(out, i, 0, Math.min(block.length, size - i));
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

/** The crash writer's files: each path has one fixed content, seededBytes(path, CRASH_FILE_SIZE). */
export const CRASH_FILE_SIZE = 4096;

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export interface SampleFile {
  path: string;
  bytes: Buffer;
}

/** A small SIP-like set of files under submission/ (what ingest would hand to storage). */
export function sampleFiles(seed: string, count: number, size = 2048): SampleFile[] {
  return Array.from({ length: count }, (_, i) => ({
    path: `submission/representations/rep1/data/${seed}-${String(i).padStart(3, '0')}.txt`,
    bytes: seededBytes(`${seed}/${i}`, size + i),
  }));
}

const asAipFiles = (files: SampleFile[]): AipFile[] =>
  files.map((f) => ({ path: f.path, source: f.bytes, size: f.bytes.length, sha256: sha256(f.bytes) }));

export async function createSampleAip(archive: Archive, seed: string, files: SampleFile[]): Promise<AipDetail> {
  return archive.createAip({
    label: `Test AIP ${seed}`,
    files: asAipFiles(files),
    events: [{ type: 'ingestion', detail: `test ingest of ${seed}`, outcome: 'success', agents: [{ id: 'bevara', role: 'executing program' }] }],
    message: `ingest ${seed}`,
    user: { name: 'e2e test', address: 'mailto:test@example.org' },
  });
}

export async function addSampleVersion(archive: Archive, id: string, files: SampleFile[], remove: string[] = []): Promise<AipDetail> {
  return archive.addVersion(id, {
    files: asAipFiles(files),
    remove,
    events: [{ type: 'metadata modification', detail: 'test update', outcome: 'success', agents: [{ id: 'bevara' }] }],
    message: 'update',
    user: { name: 'e2e test' },
  });
}

/** Every file under `dir`, relative and '/'-separated, sorted. */
export function walk(dir: string): string[] {
  const out: string[] = [];
  const visit = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) visit(p);
      else out.push(path.relative(dir, p).split(path.sep).join('/'));
    }
  };
  visit(dir);
  return out.sort();
}

/**
 * `base/archive`, made through the real CLI with a second local store (`base/second`) and a policy of
 * two copies, so every AIP written to it is copied and read back in both stores.
 */
export async function twoCopyArchive(base: string): Promise<string> {
  const dir = path.join(base, 'archive');
  expect((await bevaraIn(dir, ['init'])).code).toBe(0);
  expect((await bevaraIn(dir, ['store', 'add', 'second', '--type', 'local', '--path', path.join(base, 'second')])).code).toBe(0);
  expect((await bevaraIn(dir, ['policy', 'set', '--copies', '2'])).code).toBe(0);
  return dir;
}

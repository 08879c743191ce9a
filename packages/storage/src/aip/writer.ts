import { randomUUID } from 'node:crypto';
import { StorageError } from '../errors.ts';
import type { ObjectTransaction, StateEntry } from '../ocfl/transaction.ts';
import { type AipMetsInput, buildAipMets, type MetsFile, type ParsedAipMets } from './mets.ts';
import { mimeTypeFor } from './mime.ts';
import { AIP_METS, type AipVersionInput, BEVARA_AGENT, PREMIS_DIR, type PremisAgent, type PremisEvent, premisPath } from './model.ts';
import { buildPremis, type PremisObject } from './premis.ts';

export interface AipIdentity {
  id: string;
  label: string;
  contentCategory: string;
  created: string;
}

/** A PREMIS event as written: with the identifier and time it was given. */
export type WrittenEvent = PremisEvent & { id: string; dateTime: Date };

/**
 * What writeAipVersion wrote of the AIP's metadata, so that the catalog indexes the new version without reading
 * back and parsing the METS and PREMIS it has just built (catalog/index-aip.ts).
 */
export interface WrittenAipVersion {
  /** What the AIP METS was built from, and its size in bytes. */
  mets: AipMetsInput;
  metsSize: number;
  /** This version's PREMIS events. */
  events: WrittenEvent[];
}

/**
 * Fills one OCFL version with an E-ARK AIP: the caller's files, this version's PREMIS document and the
 * regenerated AIP METS that describes every file of the version. Ingest, reclassification and repair
 * all go through here, so every AIP version has the same shape.
 */
export async function writeAipVersion(
  tx: ObjectTransaction,
  identity: AipIdentity,
  previous: ParsedAipMets | null,
  input: AipVersionInput,
  now: Date,
): Promise<WrittenAipVersion> {
  const stamp = now.toISOString();
  const added = new Map<string, { mimeType: string }>();
  const objects: PremisObject[] = [];
  // Small files are dominated by file-system round trips, not bytes: keep a few puts in flight.
  await forEachConcurrently(input.files, PUT_CONCURRENCY, async (file) => {
    const expected = file.sha256 || file.size !== undefined ? { ...(file.sha256 ? { sha256: file.sha256 } : {}), ...(file.size !== undefined ? { size: file.size } : {}) } : undefined;
    let entry: StateEntry;
    try {
      if (isReserved(file.path)) {
        throw new StorageError('S-014', `${file.path} is written by Bevara itself and cannot be supplied`, { path: file.path });
      }
      entry = await tx.put(file.path, file.source, expected, file.digest);
    } catch (error) {
      // The caller hears of it now, not once it has handed over every file, and a source nobody will read is let go.
      if (!Buffer.isBuffer(file.source)) file.source.destroy();
      file.stored?.({ error });
      throw error;
    }
    file.stored?.({ size: entry.size, sha256: entry.digest });
    const mimeType = file.format?.mimeType ?? mimeTypeFor(file.path);
    added.set(file.path, { mimeType });
    objects.push({ path: file.path, sha256: entry.digest, size: entry.size, ...(file.format ? { format: file.format } : {}) });
  });
  for (const path of input.remove ?? []) {
    if (isReserved(path)) throw new StorageError('S-014', `${path} is written by Bevara itself and cannot be removed`, { path });
    tx.remove(path);
  }
  const version = `v${tx.version}`;
  const agents = uniqueAgents([BEVARA_AGENT, ...(input.agents ?? [])]);
  objects.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  // identifiers and times given here, not by buildPremis: the catalog is told the events as written
  const events: WrittenEvent[] = input.events.map((e) => ({ ...e, id: e.id ?? randomUUID(), dateTime: e.dateTime ?? now }));
  await tx.put(premisPath(version), buildPremis({ objects, events, agents, now }));
  added.set(premisPath(version), { mimeType: 'application/xml' });

  const files: MetsFile[] = [];
  for (const [path, entry] of tx.files()) {
    if (path === AIP_METS) continue;
    const before = previous?.files.get(path);
    const isNew = added.has(path) || !before || before.sha256 !== entry.digest;
    files.push({
      path,
      sha256: entry.digest,
      size: entry.size,
      mimeType: added.get(path)?.mimeType ?? before?.mimeType ?? mimeTypeFor(path),
      created: isNew ? stamp : before.created,
    });
  }
  const metsInput: AipMetsInput = {
    id: identity.id,
    label: input.label ?? identity.label,
    contentCategory: identity.contentCategory,
    created: identity.created,
    modified: stamp,
    revised: tx.version > 1,
    files,
  };
  const mets = buildAipMets(metsInput);
  await tx.put(AIP_METS, mets);
  return { mets: metsInput, metsSize: mets.length, events };
}

const PUT_CONCURRENCY = 32;

/**
 * Runs `fn` over the items with at most `limit` running at once, taking items from the iterable one at
 * a time (it may be a lazy stream of package entries). The first failure stops new work and is thrown
 * once the running calls have settled.
 */
async function forEachConcurrently<T>(items: Iterable<T> | AsyncIterable<T>, limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  for await (const item of items) {
    if (failure) break;
    const task: Promise<void> = fn(item).then(
      () => void running.delete(task),
      (error: unknown) => {
        running.delete(task);
        failure ??= { error };
      },
    );
    running.add(task);
    if (running.size >= limit) await Promise.race(running);
  }
  await Promise.all(running);
  if (failure) throw failure.error;
}

function isReserved(path: string): boolean {
  return path === AIP_METS || (path.startsWith(`${PREMIS_DIR}/premis-`) && path.endsWith('.xml'));
}

function uniqueAgents(agents: PremisAgent[]): PremisAgent[] {
  const seen = new Map<string, PremisAgent>();
  for (const a of agents) if (!seen.has(a.id)) seen.set(a.id, a);
  return [...seen.values()];
}

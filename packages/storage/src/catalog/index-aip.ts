import { metsAsRead, parseAipMets, type ParsedAipMets } from '../aip/mets.ts';
import { AIP_METS, type StoredEvent, premisPath } from '../aip/model.ts';
import type { WrittenAipVersion } from '../aip/writer.ts';
import type { Inventory } from '../ocfl/inventory.ts';
import { versionState } from '../ocfl/inventory.ts';
import { objectRootFor } from '../ocfl/layout.ts';
import type { ObjectReader } from '../ocfl/reader.ts';
import type { IndexedAip } from './catalog.ts';
import { eventsAsRead, readPremisEvents } from './premis-events.ts';

/**
 * Derives the catalog's view of one AIP from what is stored: the inventory, the AIP METS of the head
 * version and every version's PREMIS document. The same function serves a fresh ingest and a rebuild,
 * so the two cannot drift apart. A version just written passes what its writer built (`written`): the head
 * version's METS and PREMIS are then taken from that, as they read back (metsAsRead, eventsAsRead), instead of
 * read and parsed again (0.75 s of a 10,000-file ingest); earlier versions' PREMIS are read as always.
 */
export async function indexAip(reader: ObjectReader, inv: Inventory, written?: WrittenAipVersion): Promise<IndexedAip> {
  const { mets, metsSize } = written ? { mets: metsAsRead(written.mets), metsSize: written.metsSize } : await readMets(reader, inv);
  const state = versionState(inv);
  const events: StoredEvent[] = [];
  for (const version of Object.keys(inv.versions)) {
    if (written && version === inv.head) {
      for (const e of eventsAsRead(written.events)) events.push({ ...e, version });
      continue;
    }
    const path = premisPath(version);
    if (!versionState(inv, version).has(path)) continue;
    for (const e of readPremisEvents(await reader.readSmall(inv, path, version), `${inv.id}/${version}/${path}`)) events.push({ ...e, version });
  }
  const files = [...state].map(([path, digest]) => {
    const m = mets.files.get(path);
    return {
      path,
      sha256: digest,
      size: path === AIP_METS ? metsSize : (m?.size ?? 0),
      mimeType: m?.mimeType ?? (path === AIP_METS ? 'application/xml' : 'application/octet-stream'),
      contentPath: inv.manifest[digest]?.[0] ?? '',
    };
  });
  const versions = Object.entries(inv.versions)
    .map(([version, v]) => ({ version, created: v.created, message: v.message ?? '', user: v.user ?? { name: 'unknown' } }))
    .sort((a, b) => Number(a.version.slice(1)) - Number(b.version.slice(1)));
  return {
    objectRoot: objectRootFor(inv.id),
    summary: {
      id: inv.id,
      label: mets.label,
      contentCategory: mets.contentCategory,
      head: inv.head,
      created: versions[0]?.created ?? '',
      updated: versions[versions.length - 1]?.created ?? '',
      fileCount: files.length,
      totalSize: files.reduce((n, f) => n + f.size, 0),
    },
    versions,
    files,
    events,
  };
}

async function readMets(reader: ObjectReader, inv: Inventory): Promise<{ mets: ParsedAipMets; metsSize: number }> {
  const bytes = await reader.readSmall(inv, AIP_METS);
  return { mets: parseAipMets(bytes, `${inv.id}/${AIP_METS}`), metsSize: bytes.length };
}

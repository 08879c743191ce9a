import { parseAipMets } from '../aip/mets.ts';
import { AIP_METS, type StoredEvent, premisPath } from '../aip/model.ts';
import type { Inventory } from '../ocfl/inventory.ts';
import { versionState } from '../ocfl/inventory.ts';
import { objectRootFor } from '../ocfl/layout.ts';
import type { ObjectReader } from '../ocfl/reader.ts';
import type { IndexedAip } from './catalog.ts';
import { readPremisEvents } from './premis-events.ts';

/**
 * Derives the catalog's view of one AIP from what is stored: the inventory, the AIP METS of the head
 * version and every version's PREMIS document. The same function serves a fresh ingest and a rebuild,
 * so the two cannot drift apart.
 */
export async function indexAip(reader: ObjectReader, inv: Inventory): Promise<IndexedAip> {
  const metsBytes = await reader.readSmall(inv, AIP_METS);
  const mets = parseAipMets(metsBytes, `${inv.id}/${AIP_METS}`);
  const state = versionState(inv);
  const events: StoredEvent[] = [];
  for (const version of Object.keys(inv.versions)) {
    const path = premisPath(version);
    if (!versionState(inv, version).has(path)) continue;
    for (const e of readPremisEvents(await reader.readSmall(inv, path, version), `${inv.id}/${version}/${path}`)) events.push({ ...e, version });
  }
  const files = [...state].map(([path, digest]) => {
    const m = mets.files.get(path);
    return {
      path,
      sha256: digest,
      size: path === AIP_METS ? metsBytes.length : (m?.size ?? 0),
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

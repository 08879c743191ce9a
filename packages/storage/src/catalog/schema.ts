/**
 * The catalog is a cache of the blob store (docs/storage-format.md, "Catalog"): every row here can be
 * derived from the stored objects, so `bevara catalog rebuild` may drop the file at any time.
 * Bump CATALOG_SCHEMA_VERSION when the tables change or what a row holds does; an older catalog is then rebuilt,
 * never migrated. 2: values of the AIP METS and PREMIS kept as written (a path ending in white space found its file).
 */
export const CATALOG_SCHEMA_VERSION = 2;

export const CATALOG_DDL = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE aips (
  id TEXT PRIMARY KEY,
  object_root TEXT NOT NULL,
  label TEXT NOT NULL,
  content_category TEXT NOT NULL,
  head TEXT NOT NULL,
  created TEXT NOT NULL,
  updated TEXT NOT NULL,
  file_count INTEGER NOT NULL,
  total_size INTEGER NOT NULL
);
CREATE TABLE versions (
  aip_id TEXT NOT NULL REFERENCES aips(id) ON DELETE CASCADE,
  version TEXT NOT NULL,
  number INTEGER NOT NULL,
  created TEXT NOT NULL,
  message TEXT NOT NULL,
  user_name TEXT NOT NULL,
  user_address TEXT,
  PRIMARY KEY (aip_id, number)
);
CREATE TABLE files (
  aip_id TEXT NOT NULL REFERENCES aips(id) ON DELETE CASCADE,
  path TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  size INTEGER NOT NULL,
  mime_type TEXT NOT NULL,
  content_path TEXT NOT NULL,
  PRIMARY KEY (aip_id, path)
);
CREATE INDEX files_sha256 ON files(sha256);
CREATE TABLE events (
  aip_id TEXT NOT NULL REFERENCES aips(id) ON DELETE CASCADE,
  version TEXT NOT NULL,
  event_id TEXT NOT NULL,
  type TEXT NOT NULL,
  date_time TEXT NOT NULL,
  outcome TEXT NOT NULL,
  detail TEXT NOT NULL,
  outcome_detail TEXT,
  agents TEXT NOT NULL,
  objects TEXT NOT NULL,
  PRIMARY KEY (aip_id, event_id)
);
CREATE INDEX events_type ON events(type, date_time);
`;

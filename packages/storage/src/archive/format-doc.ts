import fs from 'node:fs';

/**
 * docs/storage-format.md, copied into every storage root at creation so that the archive describes its
 * own layout to whoever finds it without Bevara.
 */
export const STORAGE_FORMAT_DOC: Buffer = fs.readFileSync(new URL('../../../../docs/storage-format.md', import.meta.url));

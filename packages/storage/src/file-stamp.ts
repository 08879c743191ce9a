/**
 * Whether a file of the archive's own was replaced since this process read it. Every such file is written whole
 * under a temporary name and renamed into place, so a new version is a new inode; the time and size also tell an
 * edit in place (by hand).
 */
import fs from 'node:fs';

/** The file's inode, modification time and size; '' when it does not exist. */
export function fileStamp(file: string): string {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  return st === undefined ? '' : `${st.ino}:${st.mtimeMs}:${st.size}`;
}

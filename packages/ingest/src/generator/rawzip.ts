import { crc32 } from 'node:zlib';

/**
 * A deliberately naive zip writer FOR HOSTILE TEST FIXTURES ONLY: it writes whatever names, flags,
 * modes and sizes it is given, which well-behaved libraries (rightly) refuse. Never use it to
 * write real packages; writers.ts does that with yazl.
 */
export interface RawZipEntry {
  /** Raw name bytes (a string is written as UTF-8). */
  name: Uint8Array | string;
  /** Stored bytes; for method 8 these are the already deflated bytes. */
  data: Uint8Array;
  method?: 0 | 8;
  /** Uncompressed size and CRC when `data` is deflated. */
  uncompressedSize?: number;
  crc?: number;
  /** General-purpose flags; bit 11 claims the name is UTF-8. */
  flags?: number;
  /** Unix mode to store in the external attributes (e.g. 0o120777 for a symlink). */
  unixMode?: number;
}

export function rawZip(entries: RawZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = typeof e.name === 'string' ? Buffer.from(e.name, 'utf8') : Buffer.from(e.name);
    const method = e.method ?? 0;
    const size = e.uncompressedSize ?? e.data.length;
    const crc = e.crc ?? crc32(e.data);
    const flags = e.flags ?? (typeof e.name === 'string' ? 0x0800 : 0);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(0, 10); // time
    local.writeUInt16LE(0x21, 12); // date 1980-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(e.data.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(e.unixMode !== undefined ? (3 << 8) | 20 : 20, 4); // made by: Unix when a mode is given
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(e.data.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(e.unixMode !== undefined ? (e.unixMode << 16) >>> 0 : 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, Buffer.from(e.data));
    centrals.push(central, name);
    offset += local.length + name.length + e.data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

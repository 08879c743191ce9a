import { deflateSync } from 'node:zlib';

/** Small but valid image and audio files, drawn from numbers the caller picks (seeded). */

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (ISO-HDLC), as PNG chunks and zip entries use it; `crc` continues a running value. */
export function crc32(data: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

function pngChunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** An RGB PNG with a diagonal gradient from `rgb`, like a thumbnail of a drawing; `comment` goes in a tEXt chunk. */
export function makePng(width: number, height: number, rgb: [number, number, number], comment?: string): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit, truecolour, deflate, no filter set, no interlace
  const raw = Buffer.alloc(height * (1 + width * 3));
  for (let y = 0; y < height; y++) {
    const row = y * (1 + width * 3);
    raw[row] = 0;
    for (let x = 0; x < width; x++) {
      const shade = Math.floor(((x + y) * 64) / (width + height));
      raw[row + 1 + x * 3] = (rgb[0] + shade) & 0xff;
      raw[row + 2 + x * 3] = (rgb[1] + shade) & 0xff;
      raw[row + 3 + x * 3] = (rgb[2] + shade) & 0xff;
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    ...(comment ? [pngChunk('tEXt', Buffer.from(`Comment\0${comment}`, 'latin1'))] : []),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', new Uint8Array()),
  ]);
}

/**
 * A baseline JPEG (JFIF) of one 8x8 grey block of value `grey`. With a flat block only the DC
 * coefficient is non-zero, so one-symbol Huffman tables suffice; decoders accept it. `comment`
 * goes in a COM segment.
 */
export function makeJpeg(grey: number, comment?: string): Uint8Array {
  const seg = (marker: number, body: number[]) => [0xff, marker, ((body.length + 2) >> 8) & 0xff, (body.length + 2) & 0xff, ...body];
  const dc = 8 * (grey - 128); // F(0,0) of a flat 8x8 block with a quantiser of 1
  const size = dc === 0 ? 0 : Math.floor(Math.log2(Math.abs(dc))) + 1;
  const bits: number[] = [0]; // the only DC code, length 1, for category `size`
  const amplitude = dc < 0 ? dc + (1 << size) - 1 : dc;
  for (let i = size - 1; i >= 0; i--) bits.push((amplitude >> i) & 1);
  bits.push(0); // the only AC code: end of block
  while (bits.length % 8) bits.push(1);
  const scan: number[] = [];
  for (let i = 0; i < bits.length; i += 8) {
    const byte = bits.slice(i, i + 8).reduce((a, b) => (a << 1) | b, 0);
    scan.push(byte);
    if (byte === 0xff) scan.push(0x00);
  }
  const counts = (n: number) => [n, ...new Array<number>(15).fill(0)];
  return Buffer.from([
    0xff, 0xd8,
    ...seg(0xe0, [0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]),
    ...(comment ? seg(0xfe, [...Buffer.from(comment, 'latin1')]) : []),
    ...seg(0xdb, [0x00, ...new Array<number>(64).fill(1)]),
    ...seg(0xc0, [0x08, 0x00, 0x08, 0x00, 0x08, 0x01, 0x01, 0x11, 0x00]),
    ...seg(0xc4, [0x00, ...counts(1), size]),
    ...seg(0xc4, [0x10, ...counts(1), 0x00]),
    ...seg(0xda, [0x01, 0x01, 0x00, 0x00, 0x3f, 0x00]),
    ...scan,
    0xff, 0xd9,
  ]);
}

/** The 44-byte header of an 8-bit mono 8 kHz PCM WAV file whose whole size is `fileSize`. */
export function wavHeader(fileSize: number): Uint8Array {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(fileSize - 8, 4);
  h.write('WAVEfmt ', 8, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(1, 22); // mono
  h.writeUInt32LE(8000, 24);
  h.writeUInt32LE(8000, 28); // byte rate
  h.writeUInt16LE(1, 32); // block align
  h.writeUInt16LE(8, 34); // bits per sample
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(fileSize - 44, 40);
  return h;
}

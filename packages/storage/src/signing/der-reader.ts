/**
 * Strict DER read in place, without forge: each element is an offset range of the input, so its encoding is a
 * slice, never a re-encoding. Reading a certificate's issuer Name and serial number needs no more, and opening
 * an archive reads its certificates; forge (der.ts) loads only to build or take apart a CMS signature.
 */
import { MalformedDer } from './der.ts';

export const DER_CLASS = { UNIVERSAL: 0x00, CONTEXT: 0x80 } as const;

export interface DerElement {
  tagClass: number;
  constructed: boolean;
  tag: number;
  /** Offset of the identifier octet. */
  start: number;
  contentStart: number;
  /** Offset just past the content. */
  end: number;
}

/** The one element `der` holds, every constructed element in it checked to be exactly its children; MalformedDer otherwise. */
export function readDer(der: Buffer): DerElement {
  const root = readElement(der, 0, der.length);
  if (root.end !== der.length) throw new MalformedDer(`${der.length - root.end} bytes after the DER element`);
  checkTree(der, root);
  return root;
}

/** The elements of a constructed element's content, in order. */
export function elementsOf(der: Buffer, parent: DerElement): DerElement[] {
  if (!parent.constructed) throw new MalformedDer(`tag ${parent.tag} is primitive, expected constructed`);
  const out: DerElement[] = [];
  for (let offset = parent.contentStart; offset < parent.end; ) {
    const element = readElement(der, offset, parent.end);
    out.push(element);
    offset = element.end;
  }
  return out;
}

/** True when `element` is a universal element of this tag, constructed or primitive as given. */
export function isUniversal(element: DerElement | undefined, tag: number, constructed: boolean): element is DerElement {
  return element !== undefined && element.tagClass === DER_CLASS.UNIVERSAL && element.tag === tag && element.constructed === constructed;
}

function checkTree(der: Buffer, element: DerElement): void {
  if (element.constructed) for (const child of elementsOf(der, element)) checkTree(der, child);
}

function readElement(der: Buffer, offset: number, limit: number): DerElement {
  if (offset + 2 > limit) throw new MalformedDer(`DER element at ${offset} is truncated`);
  const identifier = der[offset]!;
  const tag = identifier & 0x1f;
  if (tag === 0x1f) throw new MalformedDer(`DER element at ${offset} has a multi-byte tag`);
  let length = der[offset + 1]!;
  let contentStart = offset + 2;
  if (length === 0x80) throw new MalformedDer(`DER element at ${offset} has an indefinite length`);
  if (length > 0x80) {
    const octets = length & 0x7f;
    if (octets > 4 || contentStart + octets > limit) throw new MalformedDer(`DER element at ${offset} has an unreadable length`);
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + der[contentStart + i]!;
    contentStart += octets;
  }
  const end = contentStart + length;
  if (end > limit) throw new MalformedDer(`DER element at ${offset} runs past its container`);
  return { tagClass: identifier & 0xc0, constructed: (identifier & 0x20) !== 0, tag, start: offset, contentStart, end };
}

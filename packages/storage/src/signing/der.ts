/**
 * Small helpers over node-forge's ASN.1 model. forge works on "binary strings" (one char per
 * byte); everything else in Bevara uses Buffers, so the conversion lives here and nowhere else.
 */
import type forge from 'node-forge';
import { forgeAsn1 as asn1, forgeUtil } from './forge.ts';

export type Asn1 = forge.asn1.Asn1;

/** Universal tag numbers (X.680 8.6). */
export const TAG = {
  INTEGER: 2,
  OCTET_STRING: 4,
  NULL: 5,
  OID: 6,
  SEQUENCE: 16,
  SET: 17,
  UTC_TIME: 23,
  GENERALIZED_TIME: 24,
} as const;

/** Tag classes as forge numbers them (the two high bits of the identifier octet). */
const CLASS = { UNIVERSAL: 0x00 as forge.asn1.Class, CONTEXT_SPECIFIC: 0x80 as forge.asn1.Class };

export function toDer(node: Asn1): Buffer {
  return Buffer.from(asn1().toDer(node).getBytes(), 'binary');
}

/** Strict DER parse of the whole buffer; throws on trailing bytes or BER-only encodings. */
export function fromDer(der: Buffer): Asn1 {
  // @types/node-forge only knows the old boolean argument; forge 1.3+ takes these options.
  const options = { strict: true, parseAllBytes: true, decodeBitStrings: false } as unknown as boolean;
  return asn1().fromDer(der.toString('binary'), options);
}

export function sequence(items: Asn1[]): Asn1 {
  return asn1().create(CLASS.UNIVERSAL, TAG.SEQUENCE, true, items);
}

/**
 * A DER `SET OF`: members sorted by their encodings (X.690 11.6). OpenSSL re-encodes signed
 * attributes before checking a signature, so an unsorted set would not verify there.
 */
export function setOf(items: Asn1[]): Asn1 {
  const sorted = items
    .map((item) => ({ item, der: toDer(item) }))
    .sort((a, b) => Buffer.compare(a.der, b.der))
    .map((entry) => entry.item);
  return asn1().create(CLASS.UNIVERSAL, TAG.SET, true, sorted);
}

export function oid(dotted: string): Asn1 {
  return asn1().create(CLASS.UNIVERSAL, TAG.OID, false, asn1().oidToDer(dotted).getBytes());
}

export function integer(n: number): Asn1 {
  return asn1().create(CLASS.UNIVERSAL, TAG.INTEGER, false, asn1().integerToDer(n).getBytes());
}

export function octetString(bytes: Buffer): Asn1 {
  return asn1().create(CLASS.UNIVERSAL, TAG.OCTET_STRING, false, bytes.toString('binary'));
}

export function nullValue(): Asn1 {
  return asn1().create(CLASS.UNIVERSAL, TAG.NULL, false, '');
}

/** `[n] IMPLICIT` constructed wrapper (used for `certificates` and `signedAttrs`). */
export function implicitSet(tagNumber: number, items: Asn1[]): Asn1 {
  return asn1().create(CLASS.CONTEXT_SPECIFIC, tagNumber, true, items);
}

/** `[n] EXPLICIT` wrapper around one value. */
export function explicit(tagNumber: number, inner: Asn1): Asn1 {
  return asn1().create(CLASS.CONTEXT_SPECIFIC, tagNumber, true, [inner]);
}

/** RFC 5652 11.3: UTCTime for 1950-2049, GeneralizedTime otherwise. */
export function time(date: Date): Asn1 {
  const year = date.getUTCFullYear();
  if (year >= 1950 && year < 2050) {
    return asn1().create(CLASS.UNIVERSAL, TAG.UTC_TIME, false, asn1().dateToUtcTime(date));
  }
  return asn1().create(CLASS.UNIVERSAL, TAG.GENERALIZED_TIME, false, asn1().dateToGeneralizedTime(date));
}

/** Thrown while reading untrusted DER; verifiers turn it into a "malformed" reason. */
export class MalformedDer extends Error {
  override readonly name = 'MalformedDer';
}

function describe(node: Asn1): string {
  return `${node.tagClass === CLASS.UNIVERSAL ? 'universal' : 'context'} tag ${node.type}`;
}

/** The children of a constructed node, checked to be the expected universal type. */
export function children(node: Asn1 | undefined, type: number, what: string): Asn1[] {
  if (node === undefined) throw new MalformedDer(`${what} is missing`);
  if (node.tagClass !== CLASS.UNIVERSAL || node.type !== type || !node.constructed || !Array.isArray(node.value)) {
    throw new MalformedDer(`${what} has ${describe(node)}, expected universal tag ${type}`);
  }
  return node.value;
}

/** The content of a primitive node of the expected universal type, as bytes. */
export function primitive(node: Asn1 | undefined, type: number, what: string): Buffer {
  if (node === undefined) throw new MalformedDer(`${what} is missing`);
  if (node.tagClass !== CLASS.UNIVERSAL || node.type !== type || node.constructed || typeof node.value !== 'string') {
    throw new MalformedDer(`${what} has ${describe(node)}, expected universal tag ${type}`);
  }
  return Buffer.from(node.value, 'binary');
}

export function readOid(node: Asn1 | undefined, what: string): string {
  return asn1().derToOid(forgeUtil().createBuffer(primitive(node, TAG.OID, what).toString('binary')));
}

export function readTime(node: Asn1 | undefined, what: string): Date {
  if (node?.type === TAG.UTC_TIME) return asn1().utcTimeToDate(primitive(node, TAG.UTC_TIME, what).toString('latin1'));
  return asn1().generalizedTimeToDate(primitive(node, TAG.GENERALIZED_TIME, what).toString('latin1'));
}

export function isContext(node: Asn1 | undefined, tagNumber: number): node is Asn1 {
  return node !== undefined && node.tagClass === CLASS.CONTEXT_SPECIFIC && node.type === tagNumber;
}

/** Re-tag a node (e.g. `[0] IMPLICIT` signed attributes to `SET`) without touching its content. */
export function retagAsSet(node: Asn1): Asn1 {
  return asn1().create(CLASS.UNIVERSAL, TAG.SET, true, node.value as Asn1[]);
}

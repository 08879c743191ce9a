/**
 * The issuer Name and serial number a SignerInfo repeats are read as slices of the certificate's DER
 * (der-reader.ts), not through forge: they must be byte for byte what forge's strict parse and re-encoding
 * gave, for openssl's certificates (v3, RSA and EC) and forge's own.
 */
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCertificate } from './certificate.ts';
import { readDer } from './der-reader.ts';
import { children, fromDer, isContext, TAG, toDer } from './der.ts';
import { datedCertificate, RSA_2048, selfSigned, tempDir } from './openssl.testing.ts';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** What forge made of the two fields: the Certificate parsed strictly, the fields re-encoded. */
function viaForge(der: Buffer): { issuerDer: Buffer; serialDer: Buffer } {
  const tbs = children(children(fromDer(der), TAG.SEQUENCE, 'Certificate')[0], TAG.SEQUENCE, 'tbsCertificate');
  const first = isContext(tbs[0], 0) ? 1 : 0;
  return { issuerDer: toDer(tbs[first + 2]!), serialDer: toDer(tbs[first]!) };
}

describe('parseCertificate issuer and serial', () => {
  it.each([
    ['openssl RSA', () => fs.readFileSync(selfSigned(tmp.dir, 'rsa', RSA_2048).cert, 'utf8')],
    ['openssl EC P-384', () => fs.readFileSync(selfSigned(tmp.dir, 'ec', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384']).cert, 'utf8')],
    ['forge', () => datedCertificate(new Date('2024-01-01'), new Date('2030-01-01')).certPem],
  ])('%s: the same bytes forge gave', (_name, certificate) => {
    const parsed = parseCertificate(certificate());
    expect(parsed.issuerDer.length).toBeGreaterThan(10);
    expect(parsed.issuerDer).toEqual(viaForge(parsed.der).issuerDer);
    expect(parsed.serialDer).toEqual(viaForge(parsed.der).serialDer);
  });
});

describe('readDer', () => {
  const sequence = Buffer.from([0x30, 0x06, 0x02, 0x01, 0x05, 0x04, 0x01, 0xff]);

  it('reads an element whose children fill it exactly', () => {
    expect(readDer(sequence)).toMatchObject({ tag: 16, constructed: true, contentStart: 2, end: 8 });
  });

  it.each([
    ['a trailing byte', Buffer.concat([sequence, Buffer.from([0])]), /1 bytes after/],
    ['a truncated child', Buffer.from([0x30, 0x04, 0x02, 0x05, 0x05, 0x04]), /runs past its container/],
    ['a child cut off in its header', Buffer.from([0x30, 0x01, 0x02]), /truncated/],
    ['an indefinite length', Buffer.from([0x30, 0x80, 0x05, 0x00, 0x00, 0x00]), /indefinite length/],
    ['a length in more octets than it could need', Buffer.from([0x30, 0x85, 0, 0, 0, 0, 0]), /unreadable length/],
  ])('refuses %s', (_name, der, message) => {
    expect(() => readDer(der)).toThrow(message);
  });
});

/**
 * node-forge, loaded in parts and when first used. Its main module loads the whole library (TLS, SSH, ciphers,
 * ...), about 30 ms of every command's start; signing and checking signatures need its ASN.1 codec alone.
 */
import type forge from 'node-forge';
import { lazyLibrary } from '../lazy-library.ts';

/** forge's DER codec (with the small utilities it brings). */
export const forgeAsn1 = lazyLibrary<typeof forge.asn1>('node-forge/lib/asn1');
/** forge's byte buffers. */
export const forgeUtil = lazyLibrary<typeof forge.util>('node-forge/lib/util');
/** The whole library: making a certificate (`keys init`) and reading a PKCS#12 key file. */
export const forgeLibrary = lazyLibrary<typeof forge>('node-forge');

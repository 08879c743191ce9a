/**
 * node-forge, loaded when something first needs it (CMS signing and verification, PKCS#12 import, a new
 * self-signed certificate) instead of whenever the storage package is imported: opening an archive only reads
 * its certificates, which Node's X509Certificate and der-reader.ts do, and loading forge was about 50 ms of CPU
 * at every start. Required, as the CommonJS library it is, because its users are synchronous.
 */
import { createRequire } from 'node:module';
import type * as Forge from 'node-forge';

let loaded: typeof Forge | undefined;

export function nodeForge(): typeof Forge {
  loaded ??= createRequire(import.meta.url)('node-forge') as typeof Forge;
  return loaded;
}

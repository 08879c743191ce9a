/**
 * node-forge, loaded when something first needs it (CMS signing and verification, PKCS#12 import, a new
 * self-signed certificate): opening an archive only reads its certificates, which Node's X509Certificate and
 * der-reader.ts do, and loading forge was about 50 ms of CPU at every start.
 */
import type * as Forge from 'node-forge';
import { lazyLibrary } from '../lazy-library.ts';

export const nodeForge = lazyLibrary<typeof Forge>('node-forge');

/**
 * A CommonJS library loaded when first used instead of whenever the storage package is imported: most commands
 * never need it, and loading it cost every start tens of milliseconds. Required, not import()ed, because the code
 * that uses it is synchronous.
 */
import { createRequire } from 'node:module';

export function lazyLibrary<T>(name: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= createRequire(import.meta.url)(name) as T);
}

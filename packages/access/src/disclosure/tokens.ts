/**
 * Archivist tokens for the disclosure API (`bevara tokens create --archivist NAME`), kept in the archive
 * folder as their SHA-256 only (`disclosure/archivists.json`); the token is shown once. They start with
 * "bva_" (submitters' start with "bvt_"), so a token in the wrong place is recognisable in a log, but the
 * prefix grants nothing: only a stored digest does.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Archive } from '@bevara/storage';
import { DisclosureError } from './errors.ts';
import { disclosureDir, writeReplacing } from './state.ts';

export interface ArchivistToken {
  id: string;
  archivist: string;
  sha256: string;
  created: string;
}

const FILE = 'archivists.json';
const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

export async function createArchivistToken(archive: Archive, archivist: string, actor: string): Promise<{ token: string; record: ArchivistToken }> {
  const name = archivist.trim();
  if (name === '' || name.length > 200 || /[\u0000-\u001f\u007f]/.test(name)) throw new DisclosureError('A-101', 'an archivist\'s name is 1-200 characters, no control characters', {});
  const token = `bva_${randomBytes(32).toString('base64url')}`;
  const record: ArchivistToken = { id: randomUUID(), archivist: name, sha256: sha256(token), created: new Date().toISOString() };
  const dir = disclosureDir(archive);
  fs.mkdirSync(dir, { recursive: true });
  // added under the write lock: two commands at once would each write the list without the other's token
  await archive.exclusive(async (locked) => {
    writeReplacing(path.join(dir, FILE), JSON.stringify([...readTokens(archive), record], null, 2) + '\n');
    await locked.record({ type: 'token.created', actor, subject: record.id, data: { archivist: name, scope: 'disclosure' } });
  });
  return { token, record };
}

/** The archivist a bearer token stands for: A-104 without one, A-105 for any token that is not an archivist's. */
export function authenticateArchivist(archive: Archive, authorization: string | undefined): string {
  const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (!m) throw new DisclosureError('A-104', 'an archivist bearer token is required', {});
  const digest = Buffer.from(sha256(m[1]!), 'hex');
  const found = readTokens(archive).find((t) => timingSafeEqual(Buffer.from(t.sha256, 'hex'), digest));
  if (!found) throw new DisclosureError('A-105', 'this token does not grant archivist access', {});
  return found.archivist;
}

function readTokens(archive: Archive): ArchivistToken[] {
  const file = path.join(disclosureDir(archive), FILE);
  if (!fs.existsSync(file)) return [];
  try {
    const value = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
    if (!Array.isArray(value)) throw new Error('not a list');
    return value as ArchivistToken[];
  } catch (cause) {
    throw new DisclosureError('A-108', `cannot read ${file}`, { path: file }, { cause });
  }
}

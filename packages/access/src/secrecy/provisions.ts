import { readFileSync } from 'node:fs';

/** A provision of the Public Access to Information and Secrecy Act (OSL, SFS 2009:400). */
export interface Provision {
  chapter: number;
  section: number;
  subject: string;
  /** The harm test (skaderekvisit) as the act words it. */
  test: string;
  /** The longest the secrecy can last, in years; null when the provision states none (it never lapses on its own). */
  maxYears: number | null;
}

export interface ProvisionTable {
  source: string;
  provisions: readonly Provision[];
}

/** The shipped table (packages/access/data/osl-provisions.json), loaded once. */
export function defaultProvisions(): ProvisionTable {
  cached ??= JSON.parse(readFileSync(new URL('../../data/osl-provisions.json', import.meta.url), 'utf8')) as ProvisionTable;
  return cached;
}
let cached: ProvisionTable | undefined;

export function findProvision(table: ProvisionTable, chapter: number, section: number): Provision | undefined {
  return table.provisions.find((p) => p.chapter === chapter && p.section === section);
}

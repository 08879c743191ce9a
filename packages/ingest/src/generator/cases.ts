import type { Random } from './random.ts';
import type { CaseKind } from './types.ts';

/**
 * The municipal case catalogue: boards, classification codes, titles, record templates and the OSL
 * provisions each kind of case typically carries. All names of persons, companies and properties
 * are invented.
 */
export type FileKind = 'pdf' | 'png' | 'jpeg' | 'txt' | 'xml';

export interface RecordTemplate {
  documentType: string;
  title: (c: CaseContext) => string;
  direction: 'incoming' | 'outgoing' | 'internal';
  files: FileKind[];
  /** Natural secrecy: this provision applies to the record unless the caller overrides secrecy. */
  secret?: Provision;
  /** Probability of natural secrecy (default 1 when `secret` is set). */
  secretChance?: number;
  /** Probability that a natural marking withholds the record's object id and date too. */
  registrationChance?: number;
  /** The marking states that the secrecy runs from this many years after the record's date (written where the ERMS can say so). */
  runsFromYearsLater?: number;
}

export interface Provision {
  chapter: number;
  section: number;
  text: string;
}

export interface CaseContext {
  person: string;
  company: string;
  property: string;
  school: string;
  year: number;
  date: string;
}

export interface KindTemplate {
  board: string;
  boardName: string;
  classification: string;
  caseTitle: (c: CaseContext, rnd: Random) => string;
  records: RecordTemplate[];
  /** Natural case-level secrecy (inherited by all records). */
  caseSecret?: Provision;
  /** Probability that the case's natural marking withholds its diarienummer and dates too. */
  caseRegistrationChance?: number;
}

/** The explanatory text of a marking that withholds the registration details. */
export const REGISTRATION_TEXT = 'Även registreringsuppgifterna (diarienummer och datum) omfattas av sekretess.';

export const FIRST_NAMES = ['Anna', 'Erik', 'Maria', 'Lars', 'Karin', 'Johan', 'Elin', 'Mikael', 'Sara', 'Per', 'Ingrid', 'Ahmed', 'Leila', 'Oskar', 'Astrid', 'Nils'];
export const LAST_NAMES = ['Lindqvist', 'Holmberg', 'Sandström', 'Åkesson', 'Berglund', 'Nyström', 'Hassan', 'Ek', 'Wikström', 'Dahl', 'Öberg', 'Falk', 'Sjöberg', 'Lund'];
const DISTRICTS = ['Ekbacken', 'Björkhagen', 'Sjöängen', 'Tallmon', 'Norrgården', 'Åsen', 'Lövsta', 'Kvarnbacken'];
const SCHOOLS = ['Vallaskolan', 'Ängsskolan', 'Centralskolan', 'Björkskolan', 'Solbergaskolan'];
const COMPANY_STEMS = ['Norrsken', 'Granit', 'Sjöbris', 'Fjällbygg', 'Ljusåker', 'Bergkvist', 'Strömma'];
const COMPANY_KINDS = ['Bygg AB', 'Transport AB', 'Konsult AB', 'Entreprenad AB', 'Städ & Service AB'];
const PROCUREMENTS = ['skolskjutsar', 'städtjänster för kommunens lokaler', 'livsmedel till skolor och äldreboenden', 'vinterväghållning', 'IT-konsulttjänster'];
const BUILD_ACTIONS = ['nybyggnad av enbostadshus', 'tillbyggnad av enbostadshus', 'nybyggnad av garage', 'uppförande av skärmtak', 'ändrad användning av lokal till bostad'];
const MONTHS = ['januari', 'februari', 'mars', 'april', 'maj', 'juni', 'juli', 'augusti', 'september', 'oktober', 'november', 'december'];

export function makeContext(rnd: Random, year: number, date: string): CaseContext {
  return {
    person: `${rnd.pick(FIRST_NAMES)} ${rnd.pick(LAST_NAMES)}`,
    company: `${rnd.pick(COMPANY_STEMS)} ${rnd.pick(COMPANY_KINDS)}`,
    property: `${rnd.pick(DISTRICTS)} ${rnd.int(1, 12)}:${rnd.int(1, 40)}`,
    school: rnd.pick(SCHOOLS),
    year,
    date,
  };
}

export const OSL = {
  socialtjanst: { chapter: 26, section: 1, text: 'Uppgift om enskilds personliga förhållanden inom socialtjänsten' },
  skolvasende: { chapter: 23, section: 2, text: 'Uppgift om enskilds personliga förhållanden i elevhälsan och det särskilda elevstödet' },
  skyddadePersonuppgifter: { chapter: 21, section: 3, text: 'Uppgift om enskilds adress och andra kontaktuppgifter där det kan antas att den enskilde kan utsättas för våld' },
  affarsforhallanden: { chapter: 31, section: 16, text: 'Uppgift om enskilds affärs- eller driftförhållanden i anbud' },
  personal: { chapter: 39, section: 3, text: 'Uppgift om enskilds personliga förhållanden i personaladministrativ verksamhet' },
} as const satisfies Record<string, Provision>;

export const KINDS: Record<CaseKind, KindTemplate> = {
  bygglov: {
    board: 'BN',
    boardName: 'Bygg- och miljönämnden',
    classification: '3.2.1',
    caseTitle: (c, rnd) => `Ansökan om bygglov för ${rnd.pick(BUILD_ACTIONS)}, ${c.property}`,
    records: [
      { documentType: 'Ansökan', title: (c) => `Ansökan om bygglov, ${c.property}`, direction: 'incoming', files: ['pdf'] },
      { documentType: 'Ritning', title: (c) => `Situationsplan, ${c.property}`, direction: 'incoming', files: ['png'] },
      { documentType: 'Ritning', title: (c) => `Fasadritning, ${c.property}`, direction: 'incoming', files: ['jpeg'] },
      { documentType: 'Yttrande', title: (c) => `Yttrande från granne till ${c.property}`, direction: 'incoming', files: ['txt'], secret: OSL.skyddadePersonuppgifter, secretChance: 0.15, registrationChance: 1 },
      { documentType: 'Tjänsteskrivelse', title: (c) => `Tjänsteskrivelse om bygglov, ${c.property}`, direction: 'internal', files: ['pdf'] },
      { documentType: 'Beslut', title: (c) => `Beslut om bygglov, ${c.property}`, direction: 'outgoing', files: ['pdf'] },
    ],
  },
  forsorjningsstod: {
    board: 'SN',
    boardName: 'Socialnämnden',
    classification: '5.1.2',
    caseTitle: (c, rnd) => `Ekonomiskt bistånd, försörjningsstöd för ${rnd.pick(MONTHS)} ${c.year}`,
    caseSecret: OSL.socialtjanst,
    caseRegistrationChance: 0.7,
    records: [
      { documentType: 'Ansökan', title: () => 'Ansökan om ekonomiskt bistånd', direction: 'incoming', files: ['pdf'] },
      { documentType: 'Underlag', title: () => 'Kontoutdrag och hyresavi', direction: 'incoming', files: ['jpeg', 'pdf'] },
      { documentType: 'Journalanteckning', title: () => 'Journalanteckning efter besök', direction: 'internal', files: ['txt'] },
      { documentType: 'Utredning', title: () => 'Utredning av rätt till bistånd enligt 4 kap. 1 § SoL', direction: 'internal', files: ['pdf'] },
      { documentType: 'Beslut', title: () => 'Beslut om försörjningsstöd', direction: 'outgoing', files: ['pdf'] },
    ],
  },
  skolplacering: {
    board: 'BUN',
    boardName: 'Barn- och utbildningsnämnden',
    classification: '4.1.3',
    caseTitle: (c) => `Ansökan om skolplacering i förskoleklass, ${c.school}`,
    records: [
      { documentType: 'Ansökan', title: (c) => `Ansökan om skolplacering, ${c.school}`, direction: 'incoming', files: ['pdf'] },
      { documentType: 'Yttrande', title: () => 'Yttrande från elevhälsan om behov av särskilt stöd', direction: 'internal', files: ['txt'], secret: OSL.skolvasende, secretChance: 0.6, registrationChance: 0.5 },
      { documentType: 'Beslut', title: (c) => `Beslut om placering vid ${c.school}`, direction: 'outgoing', files: ['pdf'] },
    ],
  },
  upphandling: {
    board: 'KS',
    boardName: 'Kommunstyrelsen',
    classification: '2.3.1',
    caseTitle: (c, rnd) => `Upphandling av ${rnd.pick(PROCUREMENTS)} ${c.year}–${c.year + 3}`,
    records: [
      { documentType: 'Förfrågningsunderlag', title: () => 'Förfrågningsunderlag', direction: 'outgoing', files: ['pdf'] },
      { documentType: 'Anbud', title: (c) => `Anbud från ${c.company}`, direction: 'incoming', files: ['pdf'], secret: OSL.affarsforhallanden },
      // The offer of a frame agreement with long options: its marking counts from the agreement's end.
      { documentType: 'Anbud', title: () => 'Anbud från Sjöbris Entreprenad AB', direction: 'incoming', files: ['pdf'], secret: OSL.affarsforhallanden, runsFromYearsLater: 10 },
      { documentType: 'Protokoll', title: () => 'Protokoll från anbudsöppning', direction: 'internal', files: ['xml'] },
      { documentType: 'Beslut', title: (c) => `Tilldelningsbeslut till ${c.company}`, direction: 'outgoing', files: ['pdf'] },
    ],
  },
  namndprotokoll: {
    board: 'KS',
    boardName: 'Kommunstyrelsen',
    classification: '1.2.1',
    caseTitle: (c) => `Kommunstyrelsens sammanträde ${c.date}`,
    records: [
      { documentType: 'Kallelse', title: (c) => `Kallelse till sammanträde ${c.date}`, direction: 'outgoing', files: ['pdf'] },
      { documentType: 'Protokoll', title: (c) => `Protokoll från kommunstyrelsens sammanträde ${c.date}`, direction: 'internal', files: ['pdf'] },
      { documentType: 'Protokollsutdrag', title: () => 'Protokollsutdrag § 42 Budget och verksamhetsplan', direction: 'outgoing', files: ['pdf'] },
      { documentType: 'Bilaga', title: () => 'Bilaga till § 47 Personalärende', direction: 'internal', files: ['txt'], secret: OSL.personal, secretChance: 0.3 },
    ],
  },
};

export function provisionText(p: Provision): string {
  return `OSL ${p.chapter} kap. ${p.section} §`;
}

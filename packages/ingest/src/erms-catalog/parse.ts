/**
 * Reads the cases, records, documents and secrecy markings of an ERMS document: FGS Ärendehantering 1.0
 * (`Leveransobjekt`) or CITS ERMS 2.x/3.0 (`erms`). Input is a document that already went through the safe
 * pre-parse (xml/safe.ts), so no DOCTYPE ever reaches libxmljs2.
 */
import type { Document, Element } from 'libxmljs2';

export const FGS_ERMS_NS = 'http://xml.ra.se/e-arkiv/FGS-ERMS';
export const CITS_ERMS_NS = 'https://DILCIS.eu/XML/ERMS';

/**
 * A secrecy marking. `withheld` is true for every marking: a restriction means "not public". A marking whose
 * legal ground (Lagrum / regulation) is missing or cannot be read gets status `withheld-pending-review`, so nobody
 * mistakes it for a settled one, and it is never shown as public.
 */
export interface SecrecyMarking {
  status: 'withheld' | 'withheld-pending-review';
  /** The legal ground as written, e.g. "OSL 26 kap. 1 §"; absent when missing. */
  provision?: string;
  chapter?: number;
  section?: number;
  explanatoryText?: string;
  /** 'Sekretess', 'confidential', ... as the ERMS names it. */
  type?: string;
  /**
   * The day the secrecy runs from when the marking states one (CITS ERMS `restriction/dates/date` or
   * `restriction/duration/dates/date` with `@dateType="start"`), as written up to the day; absent = the
   * record's date. FGS Ärendehantering 1.0 has no such field: its `RestriktionsDatum` is when the restriction
   * ends, not when it starts.
   */
  runsFrom?: string;
  /**
   * The marking withholds the registration details too (the diarienummer, the record's object id and its
   * date), not only the content: a restriction of the other type "registration details" (see
   * REGISTRATION_TYPES).
   */
  coversRegistration?: true;
}

/**
 * Neither FGS Ärendehantering 1.0 nor CITS ERMS can aim a restriction at one element, so Bevara reads a
 * restriction of the other type named here as one that withholds the registration details as well:
 * FGS 1.0 `<Restriktion Typ="Annan typ" AnnanTyp="Registreringsuppgifter">`, CITS ERMS
 * `<restriction restrictionType="other_type" otherRestrictionType="registration_details">` (compared
 * without case). Its `Lagrum`/`regulation` is its legal ground as for any marking.
 */
const REGISTRATION_TYPES = ['registreringsuppgifter', 'registration_details'] as const;

export interface ErmsDocument {
  /** Package-relative path of the file, '/'-separated. */
  path: string;
  name?: string;
}

export interface ErmsRecord {
  objectId: string;
  systemId?: string;
  title?: string;
  recordType?: string;
  date?: string;
  secrecy: SecrecyMarking[];
  documents: ErmsDocument[];
}

export interface ErmsCase {
  diarienummer: string;
  systemId?: string;
  title?: string;
  organisation?: string;
  openedAt?: string;
  closedAt?: string;
  secrecy: SecrecyMarking[];
  records: ErmsRecord[];
}

/** The ERMS flavour of a document by its root's namespace, or undefined when it is not ERMS. */
export function ermsFlavour(doc: Document): 'fgs' | 'cits' | undefined {
  const ns = doc.root()?.namespace()?.href();
  return ns === FGS_ERMS_NS ? 'fgs' : ns === CITS_ERMS_NS ? 'cits' : undefined;
}

export function parseErms(doc: Document): ErmsCase[] {
  const flavour = ermsFlavour(doc);
  const root = doc.root();
  if (flavour === undefined || root === null) return [];
  return flavour === 'fgs' ? parseFgs(root) : parseCits(root);
}

// ---- FGS Ärendehantering 1.0 ------------------------------------------------------------------------

const F = { f: FGS_ERMS_NS };

function parseFgs(root: Element): ErmsCase[] {
  return els(root, './/f:ArkivobjektArende', F).map((c) => {
    const diarienummer = text(c, 'f:ArkivobjektID', F) ?? '';
    return {
      diarienummer,
      ...opt('systemId', c.attr('Systemidentifierare')?.value()),
      ...opt('title', text(c, 'f:Arendemening', F) ?? text(c, 'f:Rubrik', F)),
      ...opt('organisation', text(c, 'f:Agent/f:Organisationsnamn', F) ?? text(c, 'f:Agent/f:Enhetsnamn', F)),
      ...opt('openedAt', text(c, 'f:Skapad', F) ?? text(c, 'f:Inkommen', F)),
      ...opt('closedAt', text(c, 'f:Avslutat', F)),
      secrecy: fgsMarkings(c),
      records: els(c, 'f:ArkivobjektListaHandlingar/f:ArkivobjektHandling', F).map((h) => ({
        objectId: text(h, 'f:ArkivobjektID', F) ?? '',
        ...opt('systemId', h.attr('Systemidentifierare')?.value()),
        ...opt('title', text(h, 'f:Rubrik', F)),
        ...opt('recordType', text(h, 'f:Handlingstyp', F)),
        ...opt('date', text(h, 'f:Inkommen', F) ?? text(h, 'f:Upprattad', F) ?? text(h, 'f:Skapad', F)),
        secrecy: fgsMarkings(h),
        documents: els(h, 'f:Bilaga', F).flatMap((b) => {
          const path = packagePath(b.attr('Lank')?.value());
          return path === undefined ? [] : [{ path, ...opt('name', b.attr('Namn')?.value()) }];
        }),
      })),
    };
  });
}

function fgsMarkings(el: Element): SecrecyMarking[] {
  return els(el, 'f:Restriktion', F).map((r) =>
    marking(text(r, 'f:Lagrum', F), text(r, 'f:ForklarandeText', F), r.attr('Typ')?.value(), {
      ...opt('coversRegistration', isRegistrationType(r.attr('AnnanTyp')?.value())),
    }),
  );
}

// ---- CITS ERMS ------------------------------------------------------------------------------------

const E = { e: CITS_ERMS_NS };

function parseCits(root: Element): ErmsCase[] {
  return els(root, ".//e:aggregation[@aggregationType='caseFile']", E).map((c) => ({
    diarienummer: text(c, 'e:objectId', E) ?? '',
    ...opt('systemId', c.attr('systemIdentifier')?.value()),
    ...opt('title', text(c, 'e:title', E)),
    ...opt('organisation', text(c, 'e:agents/e:agent/e:organisation', E)),
    ...opt('openedAt', day(text(c, "e:dates/e:date[@dateType='created']", E) ?? text(c, "e:dates/e:date[@dateType='opened']", E))),
    ...opt('closedAt', day(text(c, "e:dates/e:date[@dateType='closed']", E))),
    secrecy: citsMarkings(c),
    records: els(c, './/e:record', E).map((r) => ({
      objectId: text(r, 'e:objectId', E) ?? '',
      ...opt('systemId', r.attr('systemIdentifier')?.value()),
      ...opt('title', text(r, 'e:title', E)),
      ...opt('recordType', r.attr('recordType')?.value()),
      ...opt('date', day(text(r, "e:dates/e:date[@dateType='received']", E) ?? text(r, "e:dates/e:date[@dateType='created']", E))),
      secrecy: citsMarkings(r),
      documents: els(r, './/e:appendix', E).flatMap((a) => {
        const path = packagePath(a.attr('path')?.value());
        return path === undefined ? [] : [{ path, ...opt('name', a.attr('name')?.value()) }];
      }),
    })),
  }));
}

function citsMarkings(el: Element): SecrecyMarking[] {
  return els(el, 'e:restriction', E).map((r) =>
    marking(text(r, 'e:regulation', E), text(r, 'e:explanatoryText', E), r.attr('restrictionType')?.value(), {
      ...opt('runsFrom', day(text(r, "e:dates/e:date[@dateType='start']", E) ?? text(r, "e:duration/e:dates/e:date[@dateType='start']", E))),
      ...opt('coversRegistration', isRegistrationType(r.attr('otherRestrictionType')?.value())),
    }),
  );
}

// ---- shared ---------------------------------------------------------------------------------------

/** "OSL 26 kap. 1 §", "26 kap. 1 § offentlighets- och sekretesslagen (2009:400)": chapter and section read. */
const PROVISION = /(\d+)\s*kap\.?\s*(\d+)\s*[a-z]?\s*§/i;

export function marking(
  provision: string | undefined,
  explanatoryText: string | undefined,
  type: string | undefined,
  extra: Pick<SecrecyMarking, 'runsFrom' | 'coversRegistration'> = {},
): SecrecyMarking {
  const m = provision === undefined ? null : PROVISION.exec(provision);
  const base = { ...opt('provision', provision), ...opt('explanatoryText', explanatoryText), ...opt('type', type), ...extra };
  if (m === null) return { status: 'withheld-pending-review', ...base };
  return { status: 'withheld', ...base, chapter: Number(m[1]), section: Number(m[2]) };
}

function isRegistrationType(otherType: string | undefined): true | undefined {
  const t = otherType?.trim().toLowerCase();
  return t !== undefined && (REGISTRATION_TYPES as readonly string[]).includes(t) ? true : undefined;
}

function els(el: Element, xpath: string, ns: Record<string, string>): Element[] {
  return el.find(xpath, ns) as Element[];
}

function text(el: Element, xpath: string, ns: Record<string, string>): string | undefined {
  const t = el.get(xpath, ns) as Element | null;
  const v = t?.text().trim();
  return v === undefined || v === '' ? undefined : v;
}

function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function day(dateTime: string | undefined): string | undefined {
  return dateTime?.slice(0, 10);
}

/** A package-relative path from FGS `file:///Content/x.pdf` or CITS `representations/rep1/data/x.pdf`. */
function packagePath(link: string | undefined): string | undefined {
  if (link === undefined || link.trim() === '') return undefined;
  let p = link.trim().replace(/^file:\/\/\/?/, '');
  try {
    p = decodeURI(p);
  } catch {
    return undefined;
  }
  p = p.replace(/^\/+/, '');
  const parts = p.split('/');
  if (parts.some((s) => s === '' || s === '.' || s === '..')) return undefined;
  return p;
}

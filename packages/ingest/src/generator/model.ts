import { bytesContent, noiseContent } from './content.ts';
import { KINDS, OSL, makeContext, provisionText, type FileKind, type Provision } from './cases.ts';
import { makeJpeg, makePng, wavHeader } from './images.ts';
import { makePdfA } from './pdf.ts';
import { Random } from './random.ts';
import { escapeXml } from './xml.ts';
import type { CaseKind, CaseTruth, GenerateOptions, RecordTruth, SecrecyTruth, SpecFile } from './types.ts';

/**
 * Draws the municipality's cases and records (the truth) and produces their files. Profile
 * independent: the profile writers only decide where `dataPrefix` is and how metadata looks.
 */
export interface CaseModel {
  cases: CaseTruth[];
  files: SpecFile[];
  /** Record id of every record file, by path. */
  recordOfFile: Map<string, string>;
}

const FALLBACK_PROVISION: Record<CaseKind, Provision> = {
  bygglov: OSL.skyddadePersonuppgifter,
  forsorjningsstod: OSL.socialtjanst,
  skolplacering: OSL.skolvasende,
  upphandling: OSL.affarsforhallanden,
  namndprotokoll: OSL.personal,
};

const EXT: Record<FileKind, { ext: string; mediaType: string }> = {
  pdf: { ext: 'pdf', mediaType: 'application/pdf' },
  png: { ext: 'png', mediaType: 'image/png' },
  jpeg: { ext: 'jpg', mediaType: 'image/jpeg' },
  txt: { ext: 'txt', mediaType: 'text/plain' },
  xml: { ext: 'xml', mediaType: 'application/xml' },
};

export function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/[åä]/g, 'a')
    .replace(/ö/g, 'o')
    .replace(/é/g, 'e')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/g, '');
}

export function buildCases(options: GenerateOptions, dataPrefix: string): CaseModel {
  const rnd = new Random(`${options.seed}:cases`);
  const markerRnd = new Random(`${options.seed}:markers`);
  const kinds = options.kinds && options.kinds.length > 0 ? options.kinds : (Object.keys(KINDS) as CaseKind[]);
  const count = options.cases ?? 5;
  const year = 2023 + rnd.int(0, 1);
  const counters = new Map<string, number>();
  const cases: CaseTruth[] = [];
  const files: SpecFile[] = [];
  const recordOfFile = new Map<string, string>();
  const explicit = options.secrecy?.explicit ?? [];
  const natural = options.secrecy === undefined;
  const fraction = options.secrecy?.fraction ?? 0;
  const newMarker = () => `BVRHEMLIG${markerRnd.hex(12).toUpperCase()}`;
  // Registration details withheld too: drawn apart from the rest so the other cases stay as they were.
  const registrationRnd = new Random(`${options.seed}:registration`);
  const registrationMarker = () => `BVRREG${registrationRnd.hex(12).toUpperCase()}`;
  // FGS Ärendehantering 1.0 has no start date for a restriction, so only CITS ERMS packages carry one.
  const startDates = options.profile !== 'fgs12';

  for (let ci = 0; ci < count; ci++) {
    const kind = kinds[ci % kinds.length]!;
    const tpl = KINDS[kind];
    const next = (counters.get(tpl.board) ?? rnd.int(10, 180)) + rnd.int(1, 25);
    counters.set(tpl.board, next);
    let day = dayOfYear(year, rnd.int(0, 300));
    const ctx = makeContext(rnd, year, day);
    const authority = `${tpl.boardName}, ${options.organisation}`;
    const caseProvision = natural ? tpl.caseSecret : explicit.some((e) => e.case === ci && e.record === undefined) ? FALLBACK_PROVISION[kind] : undefined;
    const caseRegistration = natural && caseProvision !== undefined && registrationRnd.chance(tpl.caseRegistrationChance ?? 0);
    // A withheld diarienummer carries a marker of its own, so a leak of it can be found.
    const dnr = `${tpl.board} ${year}/${String(next).padStart(4, '0')}${caseRegistration && options.markers ? `-${registrationMarker()}` : ''}`;
    const caseMarker = caseProvision && options.markers ? newMarker() : undefined;
    const caseSecrecy = caseProvision ? secrecy(caseProvision, day, 'case', authority, caseMarker, { coversRegistration: caseRegistration }) : undefined;
    const caseTitle = tpl.caseTitle(ctx, rnd) + (caseMarker ? ` [${caseMarker}]` : '');
    const openedAt = day;
    const records: RecordTruth[] = [];

    tpl.records.forEach((rt, ri) => {
      day = addDays(day, rnd.int(1, 9));
      const naturalSecret = natural && rt.secret !== undefined && rnd.chance(rt.secretChance ?? 1);
      const chosen = !natural && ((fraction > 0 && rnd.chance(fraction)) || explicit.some((e) => e.case === ci && e.record === ri));
      const ownProvision = naturalSecret ? rt.secret : chosen ? (rt.secret ?? FALLBACK_PROVISION[kind]) : undefined;
      const marker = (ownProvision ?? caseSecrecy) && options.markers ? newMarker() : undefined;
      const ownRegistration = naturalSecret && registrationRnd.chance(rt.registrationChance ?? 0);
      const runsFrom = naturalSecret && startDates && rt.runsFromYearsLater ? addYears(day, rt.runsFromYearsLater) : undefined;
      const effective = ownProvision
        ? secrecy(ownProvision, day, 'record', authority, marker, { coversRegistration: ownRegistration, ...(runsFrom ? { runsFrom } : {}) })
        : caseSecrecy ? { ...caseSecrecy } : undefined;
      const objectId = `${dnr}-${ri + 1}${ownRegistration && options.markers ? `-${registrationMarker()}` : ''}`;
      const record: RecordTruth = {
        objectId,
        systemId: rnd.uuid(),
        runningNumber: ri + 1,
        title: rt.title(ctx) + (marker ? ` [${marker}]` : ''),
        documentType: rt.documentType,
        date: day,
        direction: rt.direction,
        ...(rt.direction === 'incoming' ? { counterpart: rt.documentType === 'Anbud' ? ctx.company : ctx.person } : {}),
        ...(effective ? { secrecy: effective } : {}),
        ...(marker ? { marker } : {}),
        files: [],
      };
      rt.files.forEach((fk, fi) => {
        const path = `${dataPrefix}/${slug(dnr)}/${slug(objectId)}_${slug(rt.title(ctx))}${fi > 0 ? `-${fi + 1}` : ''}.${EXT[fk].ext}`;
        const text = documentText(options.organisation, tpl.boardName, dnr, record, ctx.person);
        files.push({ path, mediaType: EXT[fk].mediaType, created: `${day}T${clock(rnd)}`, content: bytesContent(render(fk, record, text, rnd)) });
        record.files.push(path);
        recordOfFile.set(path, objectId);
      });
      records.push(record);
    });

    const closedAt = addDays(day, rnd.int(1, 5));
    cases.push({
      diarienummer: dnr,
      systemId: rnd.uuid(),
      kind,
      board: tpl.board,
      boardName: tpl.boardName,
      classification: tpl.classification,
      title: caseTitle,
      openedAt,
      closedAt,
      ...(caseSecrecy ? { secrecy: caseSecrecy } : {}),
      ...(caseMarker ? { marker: caseMarker } : {}),
      records,
    });
  }

  addExtraFiles(options, cases, files, recordOfFile, dataPrefix);
  if (options.bigFile) addBigFile(options, cases, files, recordOfFile, dataPrefix);
  return { cases, files, recordOfFile };
}

function secrecy(
  p: Provision,
  date: string,
  level: 'case' | 'record',
  authority: string,
  marker: string | undefined,
  extra: Pick<SecrecyTruth, 'runsFrom' | 'coversRegistration'> = {},
): SecrecyTruth {
  return {
    ...(extra.runsFrom ? { runsFrom: extra.runsFrom } : {}),
    ...(extra.coversRegistration ? { coversRegistration: true } : {}),
    provision: provisionText(p),
    chapter: p.chapter,
    section: p.section,
    explanatoryText: `${p.text}.${marker ? ` ${marker}` : ''}`,
    markedAt: date,
    level,
    authority,
  };
}

function documentText(org: string, board: string, dnr: string, r: RecordTruth, person: string): string[] {
  const lines = [
    `${org} - ${board}`,
    `Diarienummer: ${dnr}`,
    `Handling: ${r.objectId} (${r.documentType})`,
    `Datum: ${r.date}`,
    '',
    r.title,
    '',
    `Handlingen avser ${r.documentType.toLowerCase()} i ärendet ${dnr}. Handläggare: ${person === 'Karin Öberg' ? 'Per Dahl' : 'Karin Öberg'}.`,
    'Uppgifterna i denna handling är påhittade och skapade av Bevaras testpaketgenerator.',
  ];
  if (r.secrecy) lines.push('', `Sekretessmarkering: ${r.secrecy.provision}, ${r.secrecy.markedAt}, ${r.secrecy.authority}.`, `Förklaring: ${r.secrecy.explanatoryText}`);
  if (r.marker) lines.push(`Kontrollsträng: ${r.marker}`);
  return lines;
}

function render(kind: FileKind, r: RecordTruth, text: string[], rnd: Random): Uint8Array {
  switch (kind) {
    case 'pdf':
      return makePdfA({ title: r.title, author: text[0] ?? '', created: `${r.date}T${clock(rnd)}`, lines: text.slice(1) });
    case 'txt':
      return Buffer.from(text.join('\n') + '\n', 'utf8');
    case 'png':
      return makePng(32, 24, [rnd.int(0, 180), rnd.int(0, 180), rnd.int(0, 180)], r.marker);
    case 'jpeg':
      return makeJpeg(rnd.int(40, 220), r.marker);
    case 'xml':
      return Buffer.from(
        `<?xml version="1.0" encoding="UTF-8"?>\n<anbudsoppning arende="${escapeXml(r.objectId)}" datum="${r.date}">\n` +
          text.map((l) => `  <rad>${escapeXml(l)}</rad>\n`).join('') +
          '</anbudsoppning>\n',
        'utf8',
      );
  }
}

function addExtraFiles(options: GenerateOptions, cases: CaseTruth[], files: SpecFile[], recordOfFile: Map<string, string>, dataPrefix: string): void {
  const all = cases.flatMap((c) => c.records.map((r) => ({ c, r })));
  for (let i = 0; i < (options.extraFiles ?? 0) && all.length > 0; i++) {
    const { c, r } = all[i % all.length]!;
    const n = String(i + 1).padStart(5, '0');
    const path = `${dataPrefix}/${slug(c.diarienummer)}/bilagor/${slug(r.objectId)}_bilaga-${n}.txt`;
    const body = [`Bilaga ${n} till ${r.objectId}: ${r.title}`, `Datum: ${r.date}`, ...(r.marker ? [`Kontrollsträng: ${r.marker}`] : [])];
    files.push({ path, mediaType: 'text/plain', created: `${r.date}T12:00:00`, content: bytesContent(body.join('\n') + '\n') });
    r.files.push(path);
    recordOfFile.set(path, r.objectId);
  }
}

function addBigFile(options: GenerateOptions, cases: CaseTruth[], files: SpecFile[], recordOfFile: Map<string, string>, dataPrefix: string): void {
  const bytes = options.bigFile?.bytes ?? 0;
  const host = cases.find((c) => c.kind === 'namndprotokoll') ?? cases[0];
  const record = host?.records.find((r) => !r.secrecy) ?? host?.records[0];
  if (!host || !record) return;
  for (let i = 1; i <= (options.bigFile?.count ?? 1); i++) {
    // The first keeps the name and seed it always had, so packages made before stay byte-identical.
    const n = i === 1 ? '' : `-${i}`;
    const path = `${dataPrefix}/${slug(host.diarienummer)}/${slug(record.objectId)}_ljudupptagning${n}.wav`;
    files.push({ path, mediaType: 'audio/wav', created: `${record.date}T18:00:00`, content: noiseContent(`${options.seed}:big${n}`, bytes, wavHeader(bytes)) });
    record.files.push(path);
    recordOfFile.set(path, record.objectId);
  }
}

function dayOfYear(year: number, offset: number): string {
  return new Date(Date.UTC(year, 0, 1 + offset)).toISOString().slice(0, 10);
}

function addYears(date: string, years: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return d.toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function clock(rnd: Random): string {
  return `${String(rnd.int(7, 16)).padStart(2, '0')}:${String(rnd.int(0, 59)).padStart(2, '0')}:${String(rnd.int(0, 59)).padStart(2, '0')}`;
}
